/** `vmgate desktop list|connect|reset|logout` through the View broker, as the demo desktop user. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
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
