/**
 * What the View broker does with input no client should send: protocol errors in its
 * own XML, the server still serving, nothing stored changed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { textAt } from '../../../src/protocols/view/index.ts';
import { startTestServer, type TestServer } from '../../support/test-server.ts';
import { BrokerConversation, GET_DESKTOPS, LOGIN, expectElement, expectEnvelopeError } from './view-kit.ts';

/** What the bad requests must not change: users (failed-login counters too), sessions, desktop sessions, assignments, events. */
async function stored(s: TestServer): Promise<string> {
  const st = s.server.core.ctx.store;
  const pools = await st.pools.list();
  const assignments = (await Promise.all(pools.map((p) => st.assignments.listForPool(p.id)))).flat();
  return JSON.stringify({
    users: await st.users.list(),
    sessions: (await st.sessions.list()).length,
    desktopSessions: await st.desktopSessions.list(),
    assignments,
    events: (await st.events.list({ limit: 1000 })).length,
  });
}

describe('View broker: bad input', () => {
  let s: TestServer;
  let before0: string;
  before(async () => {
    s = await startTestServer({ demoHosts: 1, demoVms: 1 });
    before0 = await stored(s);
  });
  after(async () => s.close());

  it('malformed XML, a DOCTYPE or entity declaration, a wrong root, an empty body: PROTOCOL_ERROR under <broker>', async () => {
    const c = new BrokerConversation(s);
    const cases: [string, RegExp][] = [
      ['<broker version="15.0"><get-configuration></broker>', /not well-formed/],
      ['<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><broker version="15.0"><set-locale><locale>&lol2;</locale></set-locale></broker>', /DOCTYPE or entity declaration is not accepted/],
      ['<!doctype broker SYSTEM "file:///etc/passwd"><broker version="15.0"/>', /DOCTYPE/],
      ['<?xml version="1.0"?><vapi version="15.0"><get-configuration/></vapi>', /root element must be 'broker', not 'vapi'/],
      ['<broker version="15.0"><get-configuration/></broker><broker version="15.0"/>', /not well-formed|one root/],
      ['', /empty/],
      ['just text', /not well-formed|one root/],
      ['<broker version="15.0"></broker>', /names no operation/],
    ];
    for (const [body, text] of cases) {
      const x = await c.post(body);
      assert.equal(x.status, 200, body);
      assert.equal(x.headers['content-type'], 'text/xml;charset=UTF-8');
      expectEnvelopeError(x, 'PROTOCOL_ERROR', text);
    }
  });

  it('an unknown operation (even one named like a prototype property) refuses the whole batch: nothing in it runs', async () => {
    const c = new BrokerConversation(s);
    for (const op of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'do-format-disk']) {
      const x = await c.ops('15.0', `${LOGIN('demo', 'demo-password-1')}<${op}/>`);
      // the parser itself refuses __proto__ and constructor as names; the others reach the operation table (a Map)
      expectEnvelopeError(x, 'PROTOCOL_ERROR', op === '__proto__' || op === 'constructor' ? new RegExp(`"${op}" is a reserved`) : new RegExp(`unknown operation '${op.toLowerCase()}'`));
    }
    // the login in those batches did not happen
    const y = await c.ops('15.0', GET_DESKTOPS);
    expectElement(y.elements[0], 'desktops', 'error', 'NOT_AUTHENTICATED');
  });

  it('every operation that needs a session answers NOT_AUTHENTICATED before login', async () => {
    const c = new BrokerConversation(s);
    const ops = ['get-tunnel-connection', 'get-desktops', 'get-launch-items', 'get-desktop-connection', 'kill-session', 'reset-desktop', 'do-logout', 'get-user-global-preferences', 'set-user-global-preferences', 'set-user-desktop-preferences', 'get-application-connection', 'rollback-checkout-desktop', 'do-lock'];
    const x = await c.ops('15.0', ops.map((o) => `<${o}/>`).join(''));
    assert.equal(x.elements.length, ops.length);
    for (const e of x.elements) {
      expectElement(e, e.name, 'error', 'NOT_AUTHENTICATED');
      assert.match(textAt(e, 'error-message'), /log in before/);
    }
  });

  it('a body over 2 MiB is refused (413) with a protocol error; so are thousands of elements, deep nesting and too many operations', async () => {
    const c = new BrokerConversation(s);
    const big = await c.post(`<broker version="15.0"><set-locale><locale>${'x'.repeat(2 * 1024 * 1024)}</locale></set-locale></broker>`);
    assert.equal(big.status, 413);
    expectEnvelopeError(big, 'PROTOCOL_ERROR', /larger than 2097152 bytes/);

    const many = await c.ops('15.0', `<get-desktops><supported-protocols>${'<protocol><name>VNC</name></protocol>'.repeat(3000)}</supported-protocols></get-desktops>`);
    expectEnvelopeError(many, 'PROTOCOL_ERROR', /more than 4096 tags/);

    const deep = await c.ops('15.0', `<get-configuration>${'<a>'.repeat(40)}${'</a>'.repeat(40)}</get-configuration>`);
    expectEnvelopeError(deep, 'PROTOCOL_ERROR', /nest|deep/i);

    const ops = await c.ops('15.0', '<get-configuration/>'.repeat(33));
    expectEnvelopeError(ops, 'PROTOCOL_ERROR', /at most 32 operations, not 33/);
    const fine = await c.ops('15.0', '<get-configuration/>'.repeat(32));
    assert.equal(fine.elements.length, 32);
  });

  it('paths and methods the broker does not serve: its own 404 in XML', async () => {
    for (const [method, path] of [['GET', '/broker/xml'], ['POST', '/broker/other'], ['GET', '/broker']] as const) {
      const r = await s.request(method, path);
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.equal(r.headers['content-type'], 'text/xml;charset=UTF-8');
      assert.match(r.body, /<error-code>PROTOCOL_ERROR<\/error-code><error-message>nothing here: /);
    }
  });

  it('after all that the server still serves, and nothing stored changed', async () => {
    assert.equal(await stored(s), before0);
    const c = new BrokerConversation(s);
    const x = await c.ops('15.0', `${LOGIN('demo', 'demo-password-1')}${GET_DESKTOPS}`);
    expectElement(x.elements[0], 'submit-authentication', 'ok');
    expectElement(x.elements[1], 'desktops', 'ok');
    assert.equal((await s.request('GET', '/healthz')).status, 200);
  });
});
