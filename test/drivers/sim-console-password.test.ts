/**
 * The sim's RFB server with a one-time console password: VNC authentication (checked
 * against the well-known DES vector), one connection per password, expiry.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RfbServer } from '../../src/drivers/sim/rfb-server.ts';
import { vncAuthResponse } from '../../src/drivers/sim/vnc-auth.ts';
import { vncHandshake } from '../faces/view/vnc-handshake.ts';

describe('sim console: VNC authentication with one-time passwords', () => {
  let rfb: RfbServer;
  before(async () => {
    rfb = await RfbServer.listen({ host: '127.0.0.1', desktopName: () => 'vm-under-test', render: () => ({ width: 4, height: 2, pixels: new Uint32Array(8) }) });
  });
  after(async () => rfb.close());

  it('VNC authentication is DES with the bit-reversed password: vncpasswd’s fixed key turns "password" into dbd83cfd727a1458', () => {
    const fixedKey = Buffer.from([23, 82, 107, 6, 35, 78, 88, 7]).toString('latin1');
    const out = vncAuthResponse(fixedKey, Buffer.concat([Buffer.from('password'), Buffer.alloc(8)]));
    assert.equal(out.subarray(0, 8).toString('hex'), 'dbd83cfd727a1458');
  });

  it('offers None until a password is set, then only VNC authentication, accepting the password once', async () => {
    const open = await vncHandshake('127.0.0.1', rfb.port, null);
    assert.deepEqual([open.types, open.name, open.width, open.height], [[1], 'vm-under-test', 4, 2]);
    rfb.setPassword('Tk7pQ2xz', 60_000);
    await assert.rejects(vncHandshake('127.0.0.1', rfb.port, 'Tk7pQ2xy'), /authentication failed/);
    const hs = await vncHandshake('127.0.0.1', rfb.port, 'Tk7pQ2xz');
    assert.deepEqual(hs.types, [2]);
    await assert.rejects(vncHandshake('127.0.0.1', rfb.port, 'Tk7pQ2xz'), /was used or has not been issued/);
    await assert.rejects(vncHandshake('127.0.0.1', rfb.port, null), /was used or has not been issued/);
  });

  it('a password that has expired is refused', async () => {
    rfb.setPassword('short-li', 1);
    await new Promise((r) => setTimeout(r, 20));
    await assert.rejects(vncHandshake('127.0.0.1', rfb.port, 'short-li'), /the console password has expired/);
  });
});
