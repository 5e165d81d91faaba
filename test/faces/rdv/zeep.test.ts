import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../support/test-server.ts';

/**
 * A generic WSDL-driven SOAP client against the face: Python zeep (Debian's python3-zeep,
 * installed by scripts/ci-system-packages.sh) builds every call from the served WSDL.
 * In CI a missing zeep fails the test; elsewhere it is a reported skip.
 */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const zeepMissing = spawnSync(PYTHON, ['-c', 'import zeep'], { stdio: 'ignore' }).status !== 0;
if (zeepMissing && process.env.CI) throw new Error(`python3-zeep is missing (${PYTHON} -c 'import zeep' failed): CI must install it (scripts/ci-system-packages.sh)`);

const SCRIPT = String.raw`
import json, sys
import requests
from requests.auth import HTTPBasicAuth
from zeep import Client, Settings
from zeep.transports import Transport
from zeep.exceptions import Fault
url, ca, user, pw, lib_guid = sys.argv[1:6]
session = requests.Session()
session.verify = ca
session.auth = HTTPBasicAuth(user, pw)
client = Client(url + '?wsdl', transport=Transport(session=session), settings=Settings(strict=True))
svc = client.service
out = {}
out['address'] = client.wsdl.services['RDVServer'].ports['DefaultBinding_IRDVServer'].binding_options['address']
out['ops'] = sorted(client.wsdl.bindings['{http://Microsoft.Virtualization.RDV}DefaultBinding_IRDVServer']._operations.keys())
r = svc.GetVM(name='Library_VM0', type='VM_NAME')
vm = r.VMList.VM[0]
out['get'] = [r.ErrorID, r.DetailedErrorString, vm.HostFQDN, vm.HostType, vm.ID, vm.Name, vm.Status]
r = svc.GetVM(name=lib_guid, type='GUID')
out['byGuid'] = r.VMList.VM[0].Name
r = svc.GetVM(name='nope', type='VM_NAME')
out['missing'] = [r.ErrorID, [] if r.VMList is None else list(r.VMList.VM), r.DetailedErrorString]
out['locale'] = svc.SetLocale(locale='de-DE')
r = svc.GetVM(name='nope', type='VM_NAME')
out['missingDe'] = r.DetailedErrorString
out['start'] = svc.StartVM(name='Library_VM0', type='VM_NAME')
out['place'] = svc.PlaceVM(name='library-vm1.vmgate.local', type='COMPUTER_NAME_FQDN')
try:
    svc.StartVM(name='DC0_C0_H0_VM0', type='VM_NAME')
    out['fault'] = None
except Fault as f:
    out['fault'] = f.message
print(json.dumps(out, default=str))
`;

describe('the RDV face through a WSDL-driven client (Python zeep)', { skip: zeepMissing ? `python3-zeep is not installed (${PYTHON})` : false }, () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ httpPort: 0 });
  });
  after(async () => s.close());

  // Over the loopback HTTP listener: the certificate names localhost, and the WSDL's
  // address must then be the http:// one the client used.
  it('zeep builds every operation from the served WSDL and reads the replies', async () => {
    const ca = join(s.dataDir, 'rdv-test-ca.pem');
    await writeFile(ca, s.ca);
    const lib = (await s.server.core.vms.find('Library_VM0'))!;
    const url = `http://127.0.0.1:${s.server.ports.http}/RDV`;
    const stdout = await new Promise<string>((res, rej) =>
      execFile(PYTHON, ['-c', SCRIPT, url, ca, 'administrator', ADMIN_PASSWORD, lib.uuid.toUpperCase()], { timeout: 60_000 }, (err, out, errOut) => (err ? rej(new Error(`${err.message}\n${errOut}`)) : res(out))),
    );
    const r = JSON.parse(stdout) as Record<string, unknown>;
    assert.equal(r.address, url);
    assert.deepEqual(r.ops, ['GetVM', 'PlaceVM', 'SetLocale', 'StartVM']);
    assert.deepEqual(r.get, ['ERROR_VM_SUCCESS', null, null, 'VM_LIBRARY', lib.uuid, 'Library_VM0', 'VM_STATUS_STOPPED']);
    assert.equal(r.byGuid, 'Library_VM0');
    // xsi:nil VMList reads as an empty list in zeep
    assert.deepEqual(r.missing, ['ERROR_VM_MISSING', [], "The virtual machine was not found. (virtual machine 'nope' was not found)"]);
    assert.equal(r.locale, 'de-DE');
    assert.equal(r.missingDe, "Der virtuelle Computer wurde nicht gefunden. (virtual machine 'nope' was not found)");
    const start = await s.server.core.tasks.wait(SYSTEM_CALLER, String(r.start));
    assert.equal(start.kind, 'vm.brokerStart');
    assert.equal(start.state, 'success');
    const place = await s.server.core.tasks.wait(SYSTEM_CALLER, String(r.place));
    assert.equal(place.kind, 'vm.brokerPlace');
    assert.equal(place.state, 'success');
    assert.match(String(r.fault), /^Der virtuelle Computer befindet sich nicht in einem Zustand, der diesen Vorgang erlaubt\. /);
  });
});
