/** `--faces view` runs the broker alone; without it in the list, /broker is the server's 404. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestServer } from '../../support/test-server.ts';
import { BrokerConversation, expectElement } from './view-kit.ts';

describe('View broker: on and off with --faces', () => {
  it('--faces view serves /broker/xml and nothing of the vAPI', async () => {
    const s = await startTestServer({ demo: false, faces: 'view' });
    try {
      assert.deepEqual(s.server.faces.map((f) => [f.name, f.paths]), [['view', ['/broker (XML, POST /broker/xml)']]]);
      const x = await new BrokerConversation(s).ops('15.0', '<get-configuration/>');
      expectElement(x.elements[0], 'configuration', 'ok');
      assert.equal((await s.request('POST', '/api/session')).status, 404);
    } finally {
      await s.close();
    }
  });

  it('--faces vapi leaves /broker to the server', async () => {
    const s = await startTestServer({ demo: false, faces: 'vapi' });
    try {
      const r = await s.request('POST', '/broker/xml', { headers: { 'content-type': 'text/xml' }, body: '<broker version="15.0"><get-configuration/></broker>' });
      assert.equal(r.status, 404);
      assert.deepEqual(JSON.parse(r.body), { error: 'not_found', message: 'no route for POST /broker/xml' });
    } finally {
      await s.close();
    }
  });
});
