/**
 * `vmgate vix …` (vmrun-style, over the VIX SDK) as a child process against a test
 * server: what it prints, its exit codes, and the changes as the vSphere face shows them.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VapiClient } from '../../src/clients/vapi/index.ts';
import { ADMIN_PASSWORD, cliFixture, type CliFixture } from './cli-fixture.ts';

const NAME = 'DC0_C0_H0_VM0';
const VMX = `[LocalDS_0] ${NAME}/${NAME}.vmx`;

describe('vmgate vix', () => {
  let f: CliFixture;
  let v: VapiClient;
  let dir: string;
  const env = (): Record<string, string> => ({ VMGATE_PASSWORD: ADMIN_PASSWORD, VMGATE_GUEST_PASSWORD: 'vmware', VMGATE_AUTHD_PORT: String(f.server.server.ports.authd) });
  const vix = (args: string[], code = 0) => f.ok(['vix', ...args], { env: env(), code });
  const power = async (): Promise<string> => (await v.power.get((await v.vm.list({ names: [NAME] }))[0]!.vm)).state;

  before(async () => {
    f = await cliFixture();
    v = new VapiClient({ server: f.server.baseUrl, ca: f.server.ca });
    await v.login('administrator', ADMIN_PASSWORD);
    dir = await mkdtemp(join(tmpdir(), 'vmgate-vix-cli-'));
  });
  after(async () => {
    v.close();
    await f.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('list prints the running VMs as vmrun does', async () => {
    const r = await vix(['list']);
    const on = await v.vm.list({ power_states: ['POWERED_ON'] });
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], `Total running VMs: ${on.length}`);
    assert.deepEqual(lines.slice(1, -1).map((l) => /\] ([^/]+)\//.exec(l)![1]).sort(), on.map((x) => x.name).sort());
    assert.equal(r.stderr, '');
  });

  it('stop, start, suspend; a refused transition exits 1 with the VIX error', async () => {
    if ((await power()) !== 'POWERED_OFF') await vix(['stop', VMX]);
    assert.equal(await power(), 'POWERED_OFF');
    const again = await vix(['stop', VMX], 1);
    assert.match(again.stderr, /^vmgate: VIX_E_3006: The virtual machine needs to be powered on: /);
    await vix(['start', VMX]);
    assert.equal(await power(), 'POWERED_ON');
    await vix(['suspend', VMX]);
    assert.equal(await power(), 'SUSPENDED');
    await vix(['start', VMX]);
    assert.equal(await power(), 'POWERED_ON');
  });

  it('runProgramInGuest prints the output and exits 1 on a non-zero exit; files copy both ways', async () => {
    const r = await vix(['runProgramInGuest', VMX, '--guest-user', 'root', '--', '/bin/sh', '-c', 'echo from the guest']);
    assert.equal(r.stdout, 'from the guest\n');
    const bad = await vix(['runProgramInGuest', VMX, '--guest-user', 'root', '--', '/bin/sh', '-c', 'exit 7'], 1);
    assert.match(bad.stderr, /Guest program exited with non-zero exit code: 7/);
    const noUser = await vix(['runProgramInGuest', VMX, '/bin/true'], 2);
    assert.match(noUser.stderr, /--guest-user/);
    await writeFile(join(dir, 'in.txt'), 'vix cli bytes\n');
    await vix(['copyFileFromHostToGuest', VMX, '--guest-user', 'root', join(dir, 'in.txt'), '/root/in.txt']);
    await vix(['copyFileFromGuestToHost', VMX, '--guest-user', 'root', '/root/in.txt', join(dir, 'out.txt')]);
    assert.equal(await readFile(join(dir, 'out.txt'), 'utf8'), 'vix cli bytes\n');
  });

  it('snapshot, revertToSnapshot, deleteSnapshot by name; an unknown name exits 1', async () => {
    await vix(['snapshot', VMX, 'cli-snap']);
    await vix(['revertToSnapshot', VMX, 'cli-snap']);
    assert.equal(await power(), 'POWERED_OFF', 'a snapshot without memory reverts to powered off');
    const missing = await vix(['revertToSnapshot', VMX, 'nope'], 1);
    assert.match(missing.stderr, /^vmgate: VIX_E_13003: The snapshot was not found: no snapshot named nope/);
    await vix(['deleteSnapshot', VMX, 'cli-snap']);
    await vix(['deleteSnapshot', VMX, 'cli-snap'], 1);
  });

  it('a wrong password exits 3', async () => {
    const r = await f.run(['vix', 'list'], { env: { ...env(), VMGATE_PASSWORD: 'wrong' } });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /^vmgate: VIX_E_35: Authentication failed/);
  });
});
