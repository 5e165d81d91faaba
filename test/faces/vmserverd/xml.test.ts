import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { VmserverdClient } from '../../../src/clients/vmserverd/index.ts';
import type { ExecReply } from '../../../src/protocols/vmserverd/index.ts';
import { startAuthd, type AuthdKit } from './kit.ts';

const failure = (r: ExecReply): { code: string; message: string } => {
  assert.equal(r.ok, false, 'expected a failure reply');
  return (r as Extract<ExecReply, { ok: false }>).error;
};

describe('exec XML: envelope, refusals, unknown ops', () => {
  let k: AuthdKit;
  let c: VmserverdClient;
  before(async () => {
    k = await startAuthd();
    c = await k.admin();
  });
  after(async () => k.close());

  it('the reply envelope of the seed, with product vmgate', async () => {
    const r = await c.execXml('<exec><op>inc</op><in><number>42</number></in></exec>');
    assert.equal(r.ok, true);
    assert.equal(r.product.id, 'vmgate');
    assert.equal(r.product.title, 'vmgate');
    assert.match(r.product.version, /^\d+\.\d+\.\d+/);
    assert.equal((r as Extract<ExecReply, { ok: true }>).out!.children[0]!.name, 'number');
    assert.equal((r as Extract<ExecReply, { ok: true }>).out!.children[0]!.text, '43');
  });

  it('malformed XML is a malformed_xml reply and the connection goes on', async () => {
    for (const bad of ['<exec><op>inc</op><in><number>1</number></in>', 'not xml at all', '<exec><op>inc</op></exec><exec/>', '']) {
      const e = failure(await c.execXml(bad));
      assert.equal(e.code, 'malformed_xml', bad);
    }
    assert.equal(await c.inc(1), 2);
  });

  it('a DOCTYPE is refused before parsing: billion laughs and an external entity', async () => {
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><exec><op>inc</op><in><number>&lol3;</number></in></exec>`;
    const xxe = `<!DOCTYPE x [<!ENTITY f SYSTEM "file:///etc/passwd">]><exec><op>inc</op><in><number>&f;</number></in></exec>`;
    for (const doc of [laughs, xxe, '<!doctype exec><exec><op>inc</op></exec>', '<exec><op>inc</op><!ENTITY x "y"></exec>']) {
      const e = failure(await c.execXml(doc));
      assert.equal(e.code, 'malformed_xml');
      assert.equal(e.message, 'DOCTYPE and entity declarations are not accepted');
    }
  });

  it('the root must be <exec> with an <op>', async () => {
    assert.equal(failure(await c.execXml('<request><op>inc</op></request>')).code, 'malformed_xml');
    assert.equal(failure(await c.execXml('<exec><in/></exec>')).code, 'malformed_xml');
  });

  it('unknown ops, including names of the object prototype, are unknown_op', async () => {
    for (const name of ['nope', 'toString', '__proto__', 'constructor', 'hasOwnProperty', 'INC']) {
      const e = failure(await c.execRaw(name, { number: 1 }));
      assert.equal(e.code, 'unknown_op', name);
      assert.match(e.message, /unknown operation/);
    }
  });

  it('predefined entities and character references are text, markup in values is escaped back', async () => {
    const r = await c.execXml('<exec><op>inc</op><in><number>&#52;1</number></in></exec>');
    assert.equal(r.ok && r.out!.children[0]!.text, '42');
    const bad = failure(await c.execXml('<exec><op>inc</op><in><number>&lt;b&gt;</number></in></exec>'));
    assert.equal(bad.code, 'bad_argument');
    assert.equal(bad.message, "<number> must be a number, not '<b>'");
  });
});
