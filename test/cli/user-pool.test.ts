import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliFixture, parseTable, runVmgate, type CliFixture } from './cli-fixture.ts';

describe('vmgate user … and pool …', () => {
  let f: CliFixture;

  before(async () => {
    f = await cliFixture();
  });
  after(async () => f.close());

  it('user create (password generated and shown once), list, get, passwd, unlock, delete', async () => {
    const created = await f.ok(['user', 'create', 'alice', '--full-name', 'Alice Example']);
    assert.match(created.stdout, /^created user-\d+ \(alice\)\npassword: \S{8,} {3}\(shown once\)\n$/);
    const rows = parseTable((await f.ok(['user', 'list'])).stdout);
    assert.deepEqual(Object.keys(rows[0]!), ['USER', 'NAME', 'FULL NAME', 'DISABLED', 'LOCKED']);
    assert.deepEqual(rows.find((r) => r.NAME === 'alice'), { USER: rows.find((r) => r.NAME === 'alice')!.USER, NAME: 'alice', 'FULL NAME': 'Alice Example', DISABLED: 'no', LOCKED: 'no' });
    const info = JSON.parse((await f.ok(['user', 'get', 'alice', '--json'])).stdout) as { name: string; failed_logins: number };
    assert.deepEqual([info.name, info.failed_logins], ['alice', 0]);

    await f.ok(['user', 'passwd', 'alice', '--password-stdin'], { input: 'alice-new-password-1\n' });
    // alice logs in with the new password, in a config directory of her own.
    const aliceDir = await mkdtemp(join(tmpdir(), 'vmgate-cli-alice-'));
    try {
      const login = await runVmgate(['login', '--user', 'alice', '--password-stdin', '--server', f.server.baseUrl, '--ca', f.caFile], { configDir: aliceDir, input: 'alice-new-password-1\n' });
      assert.equal(login.code, 0, login.stderr);
      assert.match(login.stdout, /as alice/);
    } finally {
      await rm(aliceDir, { recursive: true, force: true });
    }
    const unlocked = await f.ok(['user', 'unlock', 'alice']);
    assert.equal(unlocked.stdout, 'unlocked alice\n');
    await f.ok(['user', 'delete', 'alice']);
    const gone = await f.run(['user', 'get', 'alice']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /^vmgate: NOT_FOUND: /);
  });

  it('user create with --password-stdin prints no password; --json gives the raw result', async () => {
    const r = await f.ok(['user', 'create', 'bob', '--password-stdin', '--json'], { input: 'bob-password-123\n' });
    const j = JSON.parse(r.stdout) as { user: string; password?: string };
    assert.match(j.user, /^user-\d+$/);
    assert.equal(j.password, undefined);
    const dup = await f.run(['user', 'create', 'bob', '--password-stdin'], { input: 'bob-password-123\n' });
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /^vmgate: ALREADY_EXISTS: /);
    const passwd = await f.run(['user', 'passwd', 'bob']);
    assert.equal(passwd.code, 2, 'no terminal and no --password-stdin is a usage error');
  });

  it('user update: full name, disable/enable, must change password (shown by get; the login is then refused as expired)', async () => {
    await f.ok(['user', 'create', 'erin', '--password-stdin'], { input: 'erin-password-1\n' });
    assert.equal((await f.ok(['user', 'update', 'erin', '--full-name', 'Erin Example', '--must-change-password'])).stdout, 'updated erin\n');
    const details = (await f.ok(['user', 'get', 'erin'])).stdout;
    assert.match(details, /^Full name: +Erin Example$/m);
    assert.match(details, /^Must change password: +yes$/m);
    const login = await f.server.request('POST', '/api/session', { headers: { authorization: `Basic ${Buffer.from('erin:erin-password-1').toString('base64')}` } });
    assert.equal(login.status, 401);
    const json = JSON.parse((await f.ok(['user', 'update', 'erin', '--no-must-change-password', '--disable', '--json'])).stdout) as Record<string, unknown>;
    assert.deepEqual(json, { user: 'erin', disabled: true, must_change_password: false });
    const info = JSON.parse((await f.ok(['user', 'get', 'erin', '--json'])).stdout) as { disabled: boolean; must_change_password: boolean };
    assert.deepEqual([info.disabled, info.must_change_password], [true, false]);
    const nothing = await f.run(['user', 'update', 'erin']);
    assert.equal(nothing.code, 2);
    assert.match(nothing.stderr, /^vmgate: INVALID_ARGUMENT: nothing to change: give --full-name, --disable, --enable or --\[no-\]must-change-password/);
    const both = await f.run(['user', 'update', 'erin', '--disable', '--enable']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--disable and --enable contradict each other/);
  });

  it('pool create, list, entitle, get, entitle --remove, delete', async () => {
    const vms = JSON.parse((await f.ok(['vm', 'list', '--json'])).stdout) as { vm: string; name: string }[];
    const desktops = vms.filter((v) => v.name.startsWith('Library_')).slice(0, 2);
    await f.ok(['user', 'create', 'carol', '--password-stdin'], { input: 'carol-password-1\n' });
    const created = await f.ok(['pool', 'create', 'cli-pool', '--type', 'floating', '--display-name', 'CLI pool', '--vm', desktops[0]!.name, '--vm', desktops[1]!.vm, '--protocol', 'rdp', '--protocol', 'vnc']);
    const pool = /^created (pool-\d+) \(cli-pool\)$/m.exec(created.stdout)![1]!;
    const rows = parseTable((await f.ok(['pool', 'list'])).stdout);
    assert.deepEqual(rows.find((r) => r.NAME === 'cli-pool'), { POOL: pool, NAME: 'cli-pool', 'DISPLAY NAME': 'CLI pool', TYPE: 'floating', ENABLED: 'yes', VMS: '2' });

    const ent = await f.run(['pool', 'entitle', 'cli-pool', 'carol', 'group:no-such-group']);
    assert.equal(ent.code, 1, 'one principal failed');
    assert.match(ent.stdout, /^carol may use cli-pool \(entitlement-\d+\)\n$/);
    assert.match(ent.stderr, /^vmgate: NOT_FOUND: .*no-such-group/);

    const got = await f.ok(['pool', 'get', pool]);
    assert.match(got.stdout, /\nType:\s+floating\n/);
    assert.match(got.stdout, new RegExp(`\\nVMs:\\s+${desktops[0]!.vm}, ${desktops[1]!.vm}\\n`));
    assert.match(got.stdout, /\nProtocols:\s+RDP, VNC \(default RDP\)\n/);
    assert.match(got.stdout, /\nEntitled:\s+user:carol\n/);
    const json = JSON.parse((await f.ok(['pool', 'get', 'cli-pool', '--json'])).stdout) as { pool: string; entitlements: { principal: string }[] };
    assert.deepEqual([json.pool, json.entitlements.map((e) => e.principal)], [pool, ['user:carol']]);

    await f.ok(['pool', 'entitle', 'cli-pool', 'carol', '--remove']);
    assert.match((await f.ok(['pool', 'get', pool])).stdout, /\nEntitled:\s+nobody\n/);
    await f.ok(['pool', 'delete', 'cli-pool']);
    const after = JSON.parse((await f.ok(['pool', 'list', '--json'])).stdout) as { name: string }[];
    assert.ok(!after.some((p) => p.name === 'cli-pool'));
    const noType = await f.run(['pool', 'create', 'x']);
    assert.equal(noType.code, 2);
  });

  it('pool create --type application, pool app add (with an icon file), ls, rm', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vmgate-cli-icon-'));
    try {
      const png = join(dir, 'calc.png');
      await writeFile(png, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      const created = await f.ok(['pool', 'create', 'cli-apps', '--type', 'application']);
      const pool = /^created (pool-\d+) \(cli-apps\)$/m.exec(created.stdout)![1]!;
      assert.deepEqual(parseTable((await f.ok(['pool', 'list'])).stdout).find((r) => r.NAME === 'cli-apps')?.TYPE, 'application');
      const added = await f.ok(['pool', 'app', 'add', 'cli-apps', 'Calculator', '--path', 'C:\\calc.exe', '--app-version', '10.0', '--publisher', 'Microsoft', '--icon', png]);
      const app = /^published (app-\d+) \(Calculator\) on cli-apps\n$/.exec(added.stdout)![1]!;
      await f.ok(['pool', 'app', 'add', pool, 'Notepad', '--path', 'notepad.exe']);
      assert.deepEqual(parseTable((await f.ok(['pool', 'app', 'ls', 'cli-apps'])).stdout).map((r) => [r.NAME, r.VERSION, r.PUBLISHER, r.PATH, r.ICON]), [
        ['Calculator', '10.0', 'Microsoft', 'C:\\calc.exe', 'yes'],
        ['Notepad', '-', '-', 'notepad.exe', 'no'],
      ]);
      const json = JSON.parse((await f.ok(['pool', 'app', 'ls', 'cli-apps', '--json'])).stdout) as { application: string; icon?: string }[];
      assert.deepEqual([json[0]!.application, json[0]!.icon], [app, 'data:image/png;base64,iVBORw0KGgo=']);
      const onDesktops = await f.run(['pool', 'app', 'add', 'demo-desktops', 'Paint', '--path', 'mspaint.exe']);
      assert.equal(onDesktops.code, 1);
      assert.match(onDesktops.stderr, /^vmgate: INVALID_ARGUMENT: .*applications are published on pools of type 'application'/);
      const badIcon = await f.run(['pool', 'app', 'add', 'cli-apps', 'Paint', '--path', 'mspaint.exe', '--icon', join(dir, 'paint.svg')]);
      assert.equal(badIcon.code, 2);
      assert.equal((await f.ok(['pool', 'app', 'rm', 'cli-apps', app])).stdout, `unpublished ${app} from cli-apps\n`);
      assert.deepEqual(parseTable((await f.ok(['pool', 'app', 'ls', 'cli-apps'])).stdout).map((r) => r.NAME), ['Notepad']);
      await f.ok(['pool', 'delete', 'cli-apps']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
