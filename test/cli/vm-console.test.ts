/** `vmgate vm console VM [--websocket]`: a one-time vnc:// URL (or wss:// URL) that really opens the console, once. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SYSTEM_CALLER } from '../../src/core/index.ts';
import { vncHandshake } from '../faces/view/vnc-handshake.ts';
import { wsRfbSession } from '../support/ws-rfb-client.ts';
import { cliFixture, type CliFixture } from './cli-fixture.ts';

describe('vmgate vm console', () => {
  let f: CliFixture;
  let on: { id: string; name: string };
  let off: string;
  before(async () => {
    f = await cliFixture();
    const core = f.server.server.core;
    const vms = await core.vms.list(SYSTEM_CALLER, { inLibrary: false });
    const running = vms.find((v) => v.powerState === 'poweredOn')!;
    on = { id: running.id, name: running.name };
    off = vms.find((v) => v.powerState === 'poweredOff')!.name;
  });
  after(async () => f.close());

  it('prints vnc://:<password>@host:port; the console takes the password once', async () => {
    const r = await f.ok(['vm', 'console', on.name]);
    const m = /^vnc:\/\/:([A-Za-z2-9]{8})@127\.0\.0\.1:(\d+)\npassword: ([A-Za-z2-9]{8}) {3}\(VNC authentication, good for one connection within a minute\)\n$/.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.equal(m[3], m[1]);
    assert.equal((await vncHandshake('127.0.0.1', Number(m[2]), m[1]!)).name, on.name);
    await assert.rejects(vncHandshake('127.0.0.1', Number(m[2]), m[1]!), /the console password was used/);

    const j = JSON.parse((await f.ok(['vm', 'console', on.id, '--json'])).stdout) as { protocol: string; host: string; port: number; password: string; url: string };
    assert.deepEqual([j.protocol, j.host, j.port, j.url], ['VNC', '127.0.0.1', Number(m[2]), `vnc://:${j.password}@127.0.0.1:${m[2]}`]);
    assert.notEqual(j.password, m[1]);
  });

  it('--websocket prints a one-time wss:// URL to the console proxy', async () => {
    const r = await f.ok(['vm', 'console', on.name, '--websocket']);
    const m = /^(wss:\/\/127\.0\.0\.1:\d+\/console\/vnc\/[A-Za-z0-9_-]{43})\n\(one connection, within a minute: RFB over WebSocket, no further password\)\n$/.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.equal((await wsRfbSession(m[1]!, f.server.ca)).name, on.name);
    await assert.rejects(wsRfbSession(m[1]!, f.server.ca), /refused: 401 the console ticket is unknown or was used already/);
  });

  it('a powered-off VM: exit 1, NOT_ALLOWED_IN_CURRENT_STATE', async () => {
    const r = await f.run(['vm', 'console', off]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^vmgate: NOT_ALLOWED_IN_CURRENT_STATE: .* is powered off: its console exists only while it runs\n$/);
  });
});
