import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SYSTEM_CALLER } from '../../src/core/index.ts';
import { ADMIN_PASSWORD, cliFixture, type CliFixture } from './cli-fixture.ts';

describe('vmgate rdv get|start|place', () => {
  let f: CliFixture;
  before(async () => {
    f = await cliFixture({ login: false });
  });
  after(async () => f.close());
  const env = { VMGATE_PASSWORD: ADMIN_PASSWORD };

  it('gets, places and starts through the RDV face; errors name the VMError', async () => {
    const lib = (await f.server.server.core.vms.find('Library_VM0'))!;
    const got = await f.ok(['rdv', 'get', lib.uuid, '--type', 'guid'], { env });
    assert.equal(got.stdout, `Library_VM0  ${lib.uuid}  VM_STATUS_STOPPED  VM_LIBRARY  -\n`);
    const placed = await f.ok(['rdv', 'place', 'Library_VM0', '--json'], { env });
    const { job } = JSON.parse(placed.stdout) as { job: string };
    assert.equal((await f.server.server.core.tasks.wait(SYSTEM_CALLER, job)).state, 'success');
    const started = await f.ok(['rdv', 'start', 'library-vm0.vmgate.local', '--type', 'fqdn'], { env });
    const id = /^job ([0-9a-f-]{36})\n$/.exec(started.stdout)?.[1];
    assert.ok(id, started.stdout);
    assert.equal((await f.server.server.core.tasks.wait(SYSTEM_CALLER, id)).state, 'success');
    const again = await f.run(['rdv', 'start', 'Library_VM0'], { env });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^vmgate: ERROR_VM_STATE: The virtual machine is not in a state that allows this operation\. /);
    const missing = await f.run(['rdv', 'get', 'nope'], { env });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^vmgate: ERROR_VM_MISSING: The virtual machine was not found\./);
    const noPassword = await f.run(['rdv', 'get', 'Library_VM0']);
    assert.equal(noPassword.code, 3);
    const wrong = await f.run(['rdv', 'get', 'Library_VM0'], { env: { VMGATE_PASSWORD: 'wrong' } });
    assert.equal(wrong.code, 3);
    assert.match(wrong.stderr, /^vmgate: UNAUTHENTICATED: /);
  });
});
