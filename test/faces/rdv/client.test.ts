import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RdvClient, RdvFault, startJobUpdatedReceiver, type JobUpdatedReceiver, type RdvJob } from '../../../src/clients/rdv/index.ts';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../support/test-server.ts';

describe('the vmgate/rdv client against a running server', () => {
  let s: TestServer;
  let receiver: JobUpdatedReceiver;
  const jobs: RdvJob[] = [];
  let arrived: (() => void) | null = null;

  before(async () => {
    receiver = await startJobUpdatedReceiver((j) => {
      jobs.push(j);
      arrived?.();
    });
    s = await startTestServer({ rdvCallbackAllow: [receiver.url] });
  });
  after(async () => {
    await s.close();
    await receiver.close();
  });
  const client = () => new RdvClient({ url: `${s.baseUrl}/RDV`, user: 'administrator', password: ADMIN_PASSWORD, ca: s.ca, servername: 'localhost' });

  it('GetVM, SetLocale, StartVM and PlaceVM round trips; JobUpdated through the receiver', async () => {
    const c = client();
    const lib = (await s.server.core.vms.find('Library_VM0'))!;
    assert.deepEqual(await c.getVm(lib.uuid, 'GUID'), {
      DetailedErrorString: null,
      ErrorID: 'ERROR_VM_SUCCESS',
      VMList: [{ HostFQDN: null, HostType: 'VM_LIBRARY', ID: lib.uuid, Name: 'Library_VM0', Status: 'VM_STATUS_STOPPED' }],
    });
    const missing = await c.getVm('nope');
    assert.equal(missing.ErrorID, 'ERROR_VM_MISSING');
    assert.equal(missing.VMList, null);
    assert.equal(await c.setLocale('fr-FR'), 'fr-FR');
    assert.equal((await c.getVm('nope')).DetailedErrorString, "La machine virtuelle est introuvable. (virtual machine 'nope' was not found)");

    const placeId = await c.placeVm('Library_VM1', 'VM_NAME', receiver.url);
    const final = await new Promise<RdvJob>((res) => {
      const check = () => {
        const f = jobs.find((j) => j.ID === placeId && j.Status !== 'RUNNING');
        if (f) res(f);
      };
      arrived = check;
      check();
    });
    assert.deepEqual({ ...final, DetailedErrorString: final.DetailedErrorString }, { DetailedErrorString: null, ErrorID: 'ERROR_VM_SUCCESS', ID: placeId, Name: 'PlaceVM Library_VM1', Progress: 100, Status: 'COMPLETED', Step: 'Completed' });

    const startId = await c.startVm('Library_VM0');
    assert.equal((await s.server.core.tasks.wait(SYSTEM_CALLER, startId)).state, 'success');
    assert.equal((await c.getVm('Library_VM0')).VMList?.[0]?.HostType, 'VM_HOST');

    await assert.rejects(c.startVm('Library_VM0'), (e: unknown) => e instanceof RdvFault && e.vmError === 'ERROR_VM_STATE' && e.httpStatus === 500 && e.faultString.startsWith('La machine virtuelle n’est pas'));
    const wrong = new RdvClient({ url: `${s.baseUrl}/RDV`, user: 'administrator', password: 'wrong', ca: s.ca, servername: 'localhost' });
    await assert.rejects(wrong.getVm('Library_VM0'), (e: unknown) => e instanceof RdvFault && e.httpStatus === 401 && e.vmError === null);
    assert.match(await c.wsdl(), /<wsdl:service name="RDVServer">/);
  });
});
