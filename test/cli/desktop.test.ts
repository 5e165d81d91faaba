/** `vmgate desktop list|connect|reset|logout` through the View broker, as the demo desktop user. */
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SYSTEM_CALLER } from '../../src/core/index.ts';
import { vncHandshake } from '../faces/view/vnc-handshake.ts';
import { cliFixture, parseTable, type CliFixture } from './cli-fixture.ts';

describe('vmgate desktop …', () => {
  let f: CliFixture;
  before(async () => {
    f = await cliFixture({ login: false });
  });
  after(async () => f.close());

  it('list logs in (and keeps the broker session), connect prints the address and a token the console takes, logout ends it', async () => {
    const noUser = await f.run(['desktop', 'list']);
    assert.equal(noUser.code, 2);
    assert.match(noUser.stderr, /no broker session: give --user/);

    const bad = await f.run(['desktop', 'list', '--user', 'demo'], { env: { VMGATE_PASSWORD: 'wrong-password' } });
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /^vmgate: AUTHENTICATION_FAILED: Unknown user name or bad password\./);

    const list = await f.ok(['desktop', 'list', '--user', 'demo'], { env: { VMGATE_PASSWORD: 'demo-password-1' } });
    const rows = parseTable(list.stdout);
    assert.deepEqual(rows.map((r) => [r.NAME, r.TYPE, r.STATE, r.PROTOCOLS]), [['Demo desktops', 'dedicated', 'available', 'VNC,RDP']]);
    const stored = JSON.parse(await readFile(join(f.configDir, 'view-sessions.json'), 'utf8')) as Record<string, { user: string; cookies: Record<string, string> }>;
    assert.deepEqual(Object.values(stored).map((s) => [s.user, Object.keys(s.cookies).sort()]), [['demo', ['JSESSIONID', 'com.vmware.vdi.broker.location.id']]]);

    // no password now: the stored session is used
    const conn = await f.ok(['desktop', 'connect', 'Demo desktops']);
    const m = /^vnc:\/\/127\.0\.0\.1:(\d+)\ntoken: ([A-Za-z2-9]{8}) {3}\(the console's password, good for one connection\)\n$/.exec(conn.stdout);
    assert.ok(m, conn.stdout);
    assert.match((await vncHandshake('127.0.0.1', Number(m[1]), m[2]!)).name, /^Desktop-\d$/);

    const json = JSON.parse((await f.ok(['desktop', 'connect', rows[0]!.DESKTOP!, '--json'])).stdout) as { url: string; port: number; token: string };
    assert.equal(json.url, `vnc://127.0.0.1:${json.port}`);
    assert.equal(json.port, Number(m[1]), 'the same desktop');
    assert.notEqual(json.token, m[2]);

    assert.equal((await f.ok(['desktop', 'reset', 'Demo desktops'])).stdout, 'reset Demo desktops\n');
    const missing = await f.run(['desktop', 'connect', 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^vmgate: NOT_FOUND: no desktop 'nope' among yours \(Demo desktops\)/);

    assert.equal((await f.ok(['desktop', 'logout'])).stdout, 'logged out demo\n');
    assert.equal((await f.ok(['desktop', 'logout'])).stdout, 'no broker session\n');
    const after = await f.run(['desktop', 'list']);
    assert.equal(after.code, 2);
  });
});

describe('vmgate desktop … with a disclaimer, domains, an expired password and a VNC viewer', () => {
  let f: CliFixture;
  before(async () => {
    f = await cliFixture({ login: false, serve: { viewDomains: 'CORP,LAB', viewDisclaimer: 'Authorised use only.' } });
    await f.server.server.core.identity.updateUser(SYSTEM_CALLER, 'demo', { mustChangePassword: true });
  });
  after(async () => f.close());

  it('the disclaimer needs --accept-disclaimer; --domain is checked; an expired password is changed with VMGATE_NEW_PASSWORD', async () => {
    const env = { VMGATE_PASSWORD: 'demo-password-1' };
    const refused = await f.run(['desktop', 'list', '--user', 'demo'], { env });
    assert.equal(refused.code, 3);
    assert.equal(refused.stderr, 'vmgate: DISCLAIMER_REQUIRED: the broker asks you to accept its disclaimer first (--accept-disclaimer):\nAuthorised use only.\n');

    const domain = await f.run(['desktop', 'list', '--user', 'demo', '--accept-disclaimer', '--domain', 'VMGATE'], { env });
    assert.equal(domain.code, 3);
    assert.match(domain.stderr, /^vmgate: AUTHENTICATION_FAILED: Unknown domain 'VMGATE'\. Choose one of CORP, LAB\./);

    const noNew = await f.run(['desktop', 'list', '--user', 'demo', '--accept-disclaimer', '--domain', 'lab'], { env });
    assert.equal(noNew.code, 3);
    assert.equal(noNew.stderr, 'vmgate: PASSWORD_EXPIRED: the password of demo has expired: give a new one in VMGATE_NEW_PASSWORD (stdin is not a terminal)\n');

    const short = await f.run(['desktop', 'list', '--user', 'demo', '--accept-disclaimer', '--domain', 'lab'], { env: { ...env, VMGATE_NEW_PASSWORD: 'short' } });
    assert.equal(short.code, 3);
    assert.match(short.stderr, /^vmgate: PASSWORD_EXPIRED: The new password is not accepted: passwords need at least 8 characters\./);

    const list = await f.ok(['desktop', 'list', '--user', 'demo', '--accept-disclaimer', '--domain', 'lab'], { env: { ...env, VMGATE_NEW_PASSWORD: 'demo-password-2' } });
    assert.deepEqual(parseTable(list.stdout).map((r) => r.NAME), ['Demo desktops']);
    assert.equal((await f.server.server.core.identity.resolveUser('demo')).mustChangePassword, false);
    assert.equal((await f.server.server.core.identity.login('demo', 'demo-password-2', 'test')).caller.userName, 'demo');
  });

  it('connect --open starts the configured viewer with the address and the token; without one it says so and prints the address', async () => {
    const out = join(f.configDir, '..', 'viewer-run.json');
    const script = join(f.configDir, '..', 'viewer.mjs');
    await writeFile(script, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(out)}, JSON.stringify({ argv: process.argv.slice(2), password: process.env.VMGATE_VNC_PASSWORD }));\n`);
    const r = await f.ok(['desktop', 'connect', 'Demo desktops', '--open'], { env: { VMGATE_VNC_VIEWER: `${process.execPath} ${script} {host} {port}` } });
    const m = /^vnc:\/\/127\.0\.0\.1:(\d+)\ntoken: ([A-Za-z2-9]{8}) {3}\(the console's password, good for one connection\)\nstarted (.+)\n$/.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.equal(m[3], process.execPath);
    // the viewer runs on its own: wait for what it wrote
    for (let i = 0; i < 200 && !(await stat(out).catch(() => null)); i++) await new Promise((res) => setTimeout(res, 50));
    const run = JSON.parse(await readFile(out, 'utf8')) as { argv: string[]; password: string };
    assert.deepEqual(run, { argv: ['127.0.0.1', m[1]], password: m[2] });
    // what the viewer was given connects
    assert.match((await vncHandshake(run.argv[0]!, Number(run.argv[1]), run.password)).name, /^Desktop-\d$/);

    const none = await f.ok(['desktop', 'connect', 'Demo desktops', '--open']);
    assert.match(none.stdout, /^vnc:\/\/127\.0\.0\.1:\d+\ntoken: [A-Za-z2-9]{8} /);
    assert.equal(none.stderr, 'vmgate: no VNC viewer configured (--viewer or VMGATE_VNC_VIEWER): open the address above with one, the token is its password\n');

    const missing = await f.run(['desktop', 'connect', 'Demo desktops', '--open', '--viewer', '/nonexistent/vncviewer {url}']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^vmgate: VIEWER_FAILED: could not start the VNC viewer '\/nonexistent\/vncviewer': spawn \/nonexistent\/vncviewer ENOENT/);
    await f.ok(['desktop', 'logout']);
  });
});
