import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliFixture, type CliFixture } from './cli-fixture.ts';

/** The simulator's guests have root / vmware. */
const GUEST = { VMGATE_GUEST_PASSWORD: 'vmware' };

describe('vmgate guest run / copy-in / copy-out', () => {
  let f: CliFixture;
  let vm: string;
  let dir: string;

  before(async () => {
    f = await cliFixture();
    dir = await mkdtemp(join(tmpdir(), 'vmgate-cli-guest-'));
    const on = JSON.parse((await f.ok(['vm', 'list', '--power-state', 'on', '--json'])).stdout) as { vm: string; name: string }[];
    vm = on.find((v) => v.name.startsWith('DC0_'))!.vm;
  });
  after(async () => {
    await f.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('guest run prints the output and exits 0', async () => {
    const r = await f.ok(['guest', 'run', vm, '--guest-user', 'root', '--', '/bin/echo', 'hello', 'from the guest'], { env: GUEST });
    assert.equal(r.stdout, 'hello from the guest\n');
    assert.equal(r.stderr, '');
  });

  it("guest run exits with the program's exit code and passes stderr through", async () => {
    const r = await f.run(['guest', 'run', vm, '--guest-user', 'root', '--', 'sh', '-c', 'echo out; echo err >&2; exit 7'], { env: GUEST });
    assert.equal(r.code, 7);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
  });

  it('guest run --json prints the result; the password may come from stdin', async () => {
    const r = await f.ok(['guest', 'run', vm, '--guest-user', 'root', '--guest-password-stdin', '--json', '--', 'whoami'], { input: 'vmware\n' });
    const j = JSON.parse(r.stdout) as { vm: string; exit_code: number; stdout: string; stderr: string; pid: number };
    assert.deepEqual([j.vm, j.exit_code, j.stdout, j.stderr], [vm, 0, 'root\n', '']);
    assert.ok(j.pid > 0);
  });

  it('guest run on a powered-off VM exits 1 with NOT_ALLOWED_IN_CURRENT_STATE', async () => {
    const off = JSON.parse((await f.ok(['vm', 'list', '--power-state', 'off', '--json'])).stdout) as { vm: string }[];
    const r = await f.run(['guest', 'run', off[0]!.vm, '--guest-user', 'root', '--', 'true'], { env: GUEST });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^vmgate: NOT_ALLOWED_IN_CURRENT_STATE: /);
  });

  it('guest run with a wrong guest password exits 3 with the reason', async () => {
    const r = await f.run(['guest', 'run', vm, '--guest-user', 'root', '--', 'true'], { env: { VMGATE_GUEST_PASSWORD: 'wrong' } });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^vmgate: UNAUTHENTICATED: guest login of user 'root' .*failed/);
    assert.equal(r.stdout, '');
  });

  it('copy-in then copy-out returns the same bytes (3 MB, and an empty file)', async () => {
    const data = randomBytes(3_000_000);
    await writeFile(join(dir, 'big.bin'), data);
    const up = await f.ok(['guest', 'copy-in', vm, join(dir, 'big.bin'), '/tmp/', '--guest-user', 'root'], { env: GUEST });
    assert.match(up.stdout, new RegExp(`^copied .*big\\.bin to ${vm}:/tmp/big\\.bin \\(2\\.9 MiB\\)\\n$`));
    assert.equal(up.stderr, '', 'no progress bar when stderr is not a terminal');
    const down = await f.ok(['guest', 'copy-out', vm, '/tmp/big.bin', join(dir, 'back.bin'), '--guest-user', 'root', '--json'], { env: GUEST });
    assert.deepEqual(JSON.parse(down.stdout), { vm, guest_path: '/tmp/big.bin', local: join(dir, 'back.bin'), bytes: data.length });
    assert.ok((await readFile(join(dir, 'back.bin'))).equals(data));
    await writeFile(join(dir, 'empty'), '');
    await f.ok(['guest', 'copy-in', vm, join(dir, 'empty'), '/tmp/empty', '--guest-user', 'root'], { env: GUEST });
    const out = join(dir, 'out');
    await f.ok(['guest', 'copy-out', vm, '/tmp/empty', dir + '/out', '--guest-user', 'root'], { env: GUEST });
    assert.equal((await readFile(out)).length, 0);
  });

  it('copy-in refuses to replace a file unless --overwrite', async () => {
    await writeFile(join(dir, 'note.txt'), 'one\n');
    await f.ok(['guest', 'copy-in', vm, join(dir, 'note.txt'), '/tmp/note.txt', '--guest-user', 'root'], { env: GUEST });
    await writeFile(join(dir, 'note.txt'), 'two\n');
    const again = await f.run(['guest', 'copy-in', vm, join(dir, 'note.txt'), '/tmp/note.txt', '--guest-user', 'root'], { env: GUEST });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^vmgate: ALREADY_EXISTS: '\/tmp\/note\.txt' already exists .*add --overwrite/);
    await f.ok(['guest', 'copy-in', vm, join(dir, 'note.txt'), '/tmp/note.txt', '--guest-user', 'root', '--overwrite'], { env: GUEST });
    const r = await f.ok(['guest', 'run', vm, '--guest-user', 'root', '--', 'cat', '/tmp/note.txt'], { env: GUEST });
    assert.equal(r.stdout, 'two\n');
  });

  it('copy-out of a missing guest file exits 1 with NOT_FOUND and writes nothing; a missing local file is a usage error', async () => {
    const r = await f.run(['guest', 'copy-out', vm, '/tmp/no-such-file', join(dir, 'never'), '--guest-user', 'root'], { env: GUEST });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^vmgate: NOT_FOUND: /);
    await assert.rejects(readFile(join(dir, 'never')), { code: 'ENOENT' });
    const missing = await f.run(['guest', 'copy-in', vm, join(dir, 'no-such-local'), '/tmp/x', '--guest-user', 'root'], { env: GUEST });
    assert.equal(missing.code, 2);
    const noUser = await f.run(['guest', 'run', vm, '--', 'true'], { env: GUEST });
    assert.equal(noUser.code, 2);
    assert.match(noUser.stderr, /--guest-user/);
  });
});
