/**
 * View broker test support: a raw HTTPS conversation with a cookie jar, as a real client
 * holds one, and reading the replies.
 */
import assert from 'node:assert/strict';
import type { XmlElement } from '../../../src/protocols/view/index.ts';
import { child, parseXml, textAt } from '../../../src/protocols/view/index.ts';
import type { TestServer } from '../../support/test-server.ts';

export interface BrokerExchange {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  /** The `<broker>` root of the reply. */
  readonly root: XmlElement;
  /** The reply elements (not a protocol error's result/error-code). */
  readonly elements: readonly XmlElement[];
  readonly setCookies: readonly string[];
}

/** One client: a cookie jar and the requests it sends. */
export class BrokerConversation {
  readonly jar = new Map<string, string>();

  constructor(private readonly s: TestServer) {}

  async post(body: string | Buffer, opts: { contentType?: string; path?: string } = {}): Promise<BrokerExchange> {
    const headers: Record<string, string> = { 'content-type': opts.contentType ?? 'text/xml' };
    if (this.jar.size > 0) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const r = await this.s.request('POST', opts.path ?? '/broker/xml', { headers, body });
    const raw = r.headers['set-cookie'];
    const setCookies = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    for (const c of setCookies) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i);
      const value = pair!.slice(i + 1);
      if (/Max-Age=0/i.test(c) || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
    const doc = parseXml(r.body);
    assert.ok(doc.ok, `the reply is XML: ${r.body.slice(0, 300)}`);
    assert.equal(doc.root.name, 'broker');
    return { status: r.status, headers: r.headers, body: r.body, root: doc.root, elements: doc.root.children, setCookies };
  }

  /** `<broker version>` around `ops` (raw XML). */
  async ops(version: string, ops: string): Promise<BrokerExchange> {
    return this.post(`<?xml version="1.0"?><broker version="${version}">${ops}</broker>`);
  }
}

export const LOGIN = (user: string, password: string, domain = 'VMGATE') =>
  `<do-submit-authentication><screen><name>windows-password</name><params>` +
  `<param><name>username</name><values><value>${user}</value></values></param>` +
  `<param><name>password</name><values><value>${password}</value></values></param>` +
  `<param><name>domain</name><values><value>${domain}</value></values></param>` +
  `</params></screen></do-submit-authentication>`;

export const GET_DESKTOPS = '<get-desktops><supported-protocols><protocol><name>RDP</name></protocol><protocol><name>VNC</name></protocol></supported-protocols></get-desktops>';

/** Asserts an element's name and result (and error code); returns it. */
export function expectElement(e: XmlElement | undefined, name: string, result: string, code?: string): XmlElement {
  assert.ok(e, `a <${name}> element`);
  assert.equal(e.name, name);
  assert.equal(textAt(e, 'result'), result, `result of <${name}>: ${textAt(e, 'error-message')}`);
  if (code !== undefined) assert.equal(textAt(e, 'error-code'), code);
  return e;
}

/** A protocol error standing directly under `<broker>`. */
export function expectEnvelopeError(x: BrokerExchange, code: string, text?: RegExp): void {
  assert.equal(textAt(x.root, 'result'), 'error', x.body);
  assert.equal(textAt(x.root, 'error-code'), code);
  if (text) assert.match(textAt(x.root, 'error-message'), text);
  assert.equal(child(x.root, 'user-message') !== undefined, true);
}
