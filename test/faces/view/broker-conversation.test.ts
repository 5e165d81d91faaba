/**
 * Whole client conversations, one broker session each, as a 4.5 Open Client and a 15.0
 * Horizon client hold them (requests shaped as those clients send them: the XML
 * declaration, line breaks between operations, the 4.5 client's environment information
 * and no protocol in get-desktop-connection): start-up, login, list, connect and a VNC
 * handshake with the returned token on the returned port (a wrong and a reused token
 * refused), reset, kill, logout.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { child, children, textAt } from '../../../src/protocols/view/index.ts';
import { startTestServer, type TestServer } from '../../support/test-server.ts';
import { BrokerConversation, expectElement } from './view-kit.ts';
import { vncHandshake } from './vnc-handshake.ts';

const body = (version: string, ...ops: string[]) => `<?xml version="1.0"?>\n<broker version="${version}">\n${ops.join('\n')}\n</broker>\n`;
const LOGIN = (user: string, password: string, domain: string) =>
  `<do-submit-authentication>\n <screen>\n  <name>windows-password</name>\n  <params>\n` +
  `   <param><name>username</name><values><value>${user}</value></values></param>\n` +
  `   <param><name>domain</name><values><value>${domain}</value></values></param>\n` +
  `   <param><name>password</name><values><value>${password}</value></values></param>\n` +
  `  </params>\n </screen>\n</do-submit-authentication>`;
const ENV_45 =
  '<environment-information><info name="IP_Address">192.0.2.10</info><info name="MAC_Address">00:50:56:00:00:01</info>' +
  '<info name="Machine_Name">thin-01</info><info name="Machine_Domain">WORKGROUP</info><info name="LoggedOn_Username">kiosk</info>' +
  '<info name="LoggedOn_Domainname">thin-01</info><info name="Type">Linux</info><info name="Client_Version">4.5.0</info></environment-information>';

describe('View broker: whole conversations of a 4.5 and a 15.0 client', () => {
  let s: TestServer;
  let pool: string;
  before(async () => {
    s = await startTestServer({ demoHosts: 1, demoVms: 1 });
    pool = (await s.server.core.vdi.getPool(SYSTEM_CALLER, 'demo-desktops')).id;
  });
  after(async () => s.close());

  for (const version of ['4.5', '15.0']) {
    it(`${version}: start-up, login batch, list, connect + VNC handshake, reset, kill, logout`, async () => {
      const c = new BrokerConversation(s);
      const start = await c.post(body(version, '<set-locale><locale>en_US</locale></set-locale>', '<get-configuration/>'), { contentType: version === '4.5' ? 'application/x-www-form-urlencoded' : 'text/xml; charset=UTF-8' });
      assert.deepEqual(start.elements.map((e) => [e.name, textAt(e, 'result')]), [['set-locale', 'ok'], ['configuration', 'ok']]);
      assert.equal(textAt(child(child(start.elements[1], 'authentication'), 'screen'), 'name'), 'windows-password');

      const tail = version === '4.5' ? '<get-desktops/>' : '<get-launch-items><supported-protocols><protocol><name>VNC</name></protocol><protocol><name>BLAST</name></protocol></supported-protocols></get-launch-items>';
      const login = await c.post(body(version, LOGIN('demo', 'demo-password-1', 'VMGATE'), '<get-tunnel-connection/>', tail));
      assert.deepEqual(login.elements.map((e) => [e.name, textAt(e, 'result')]), [['submit-authentication', 'ok'], ['tunnel-connection', 'ok'], [version === '4.5' ? 'desktops' : 'launch-items', 'ok']]);
      const listed = version === '4.5' ? login.elements[2] : child(login.elements[2], 'desktops');
      assert.deepEqual(children(listed, 'desktop').map((d) => [textAt(d, 'id'), textAt(d, 'name'), textAt(d, 'state')]), [[pool, 'Demo desktops', 'available']]);

      const connectOp = version === '4.5' ? `<get-desktop-connection><desktop-id>${pool}</desktop-id>${ENV_45}</get-desktop-connection>` : `<get-desktop-connection><desktop-id>${pool}</desktop-id><protocol><name>VNC</name></protocol></get-desktop-connection>`;
      const conn = await c.post(body(version, connectOp));
      const e = expectElement(conn.elements[0], 'desktop-connection', 'ok');
      assert.equal(textAt(e, 'protocol'), 'VNC', 'the pool’s default protocol when none is asked for');
      const [address, port, token] = [textAt(e, 'address'), Number(textAt(e, 'port')), textAt(e, 'protocol-settings', 'token')];
      assert.equal(address, '127.0.0.1');
      await assert.rejects(vncHandshake(address, port, 'Wrong-00'), /VNC authentication failed/);
      const hs = await vncHandshake(address, port, token);
      assert.match(hs.name, /^Desktop-0$/);
      await assert.rejects(vncHandshake(address, port, token), /VNC authentication failed: the console password was used/);

      const listedAgain = await c.post(body(version, '<get-desktops/>'));
      const desk = child(expectElement(listedAgain.elements[0], 'desktops', 'ok'), 'desktop');
      assert.deepEqual([textAt(desk, 'state'), textAt(desk, 'session-id')], ['connected', textAt(e, 'session-id')]);

      const reset = await c.post(body(version, `<reset-desktop><desktop-id>${pool}</desktop-id></reset-desktop>`));
      expectElement(reset.elements[0], 'reset-desktop', 'ok');
      const kill = await c.post(body(version, `<kill-session><session-id>${textAt(e, 'session-id')}</session-id></kill-session>`, '<get-desktops/>'));
      expectElement(kill.elements[0], 'kill-session', 'ok');
      assert.equal(textAt(child(expectElement(kill.elements[1], 'desktops', 'ok'), 'desktop'), 'state'), 'available');

      const out = await c.post(body(version, '<do-logout/>'));
      expectElement(out.elements[0], 'logout', 'ok');
      assert.equal(c.jar.size, 0);
      const after = await c.post(body(version, '<get-desktops/>'));
      expectElement(after.elements[0], 'desktops', 'error', 'NOT_AUTHENTICATED');
    });
  }
});
