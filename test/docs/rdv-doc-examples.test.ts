/**
 * Every example of docs/faces/rdv.md runs against a real vmgate over HTTPS (the demo
 * inventory the page was written with: Library_VM0…2). A request block followed at once by
 * a reply block is one call: the request (a whole envelope, or an operation the test
 * wraps in one) is POSTed to /RDV as the administrator, and the documented reply (a whole
 * envelope, or the body's operation) must have the same elements in the same order and
 * the same texts, except ids and "…". A block on its own is a reply whose cause the
 * sentence before it names; it has a setup here (a new one without fails): the busy VM's
 * fault, and the JobUpdated callback, caught by a receiver on loopback.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { SYSTEM_CALLER } from '../../src/core/index.ts';
import { parseXml, type XmlElement } from '../../src/protocols/view/index.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/test-server.ts';
import { REPO_ROOT } from '../support/qemu-guest.ts';
import { extractFences, xmlDifferences, type DocFence } from './doc-examples.ts';

const PAGE = join(REPO_ROOT, 'docs/faces/rdv.md');
const PAGE_LINES = readFileSync(PAGE, 'utf8').split('\n');
const fences = extractFences(PAGE, ['xml']);
const SOAP = 'http://schemas.xmlsoap.org/soap/envelope/';
/** GUIDs the server hands out. */
const VOLATILE = new Set(['id', 'startvmresult', 'placevmresult']);

function xml(text: string): XmlElement {
  const r = parseXml(text);
  assert.ok(r.ok, `the XML parses: ${r.ok ? '' : r.problem}\n${text}`);
  return r.root;
}
/** "Examples omit the XML declaration; `s` is the SOAP 1.1 envelope namespace." */
const withNamespace = (text: string): string => text.replace(/xmlns:s="…"/g, `xmlns:s="${SOAP}"`);
const envelope = (op: string): string => `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="${SOAP}"><s:Body>${op}</s:Body></s:Envelope>`;
/** The operation (or fault) inside an envelope's body. */
const bodyOf = (root: XmlElement): XmlElement => {
  const body = root.children.find((c) => c.name.endsWith('body'));
  assert.ok(body && body.children.length === 1, 'one element in the body');
  return body.children[0]!;
};
/** The last line of prose before a block. */
const intro = (f: DocFence): string => {
  for (let i = f.line - 3; i >= 0; i--) if (PAGE_LINES[i]!.trim() !== '') return PAGE_LINES[i]!.trim();
  return '';
};

describe('docs/faces/rdv.md: every example, run against a server', () => {
  let s: TestServer;
  let receiver: Server;
  let receiverUrl = '';
  /** Bodies of the JobUpdated callbacks received. */
  const callbacks: string[] = [];
  /** Job ids the examples started, by the documented request's operation. */
  const jobs = new Map<string, string>();

  before(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        callbacks.push(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/jobs`;
    s = await startTestServer({ simSpeed: 1000, rdvCallbacks: [receiverUrl] });
  });
  after(async () => {
    await s?.close();
    await new Promise<void>((r) => receiver?.close(() => r()));
  });

  const post = (body: string) =>
    s.request('POST', '/RDV', {
      headers: { 'content-type': 'text/xml; charset=utf-8', authorization: `Basic ${Buffer.from(`administrator:${ADMIN_PASSWORD}`).toString('base64')}` },
      body,
    });

  /** Replies on their own, by the sentence before them: brings the cause about, returns the received element. */
  const ALONE: Record<string, () => Promise<XmlElement>> = {
    // "Refusals before a job exists (… locked …) are SOAP faults": StartVM of a VM whose lock a power-on holds.
    'are SOAP faults whose `detail` names the `VMError`:': async () => {
      const core = s.server.core;
      const vm = (await core.vms.find('DC0_C0_H1_VM0'))!;
      const release = core.ctx.locks.acquire(vm.id, 'power on', 'task-999');
      try {
        const r = await post(envelope(`<StartVM xmlns="http://Microsoft.Virtualization.RDV"><name>${vm.name}</name><type>VM_NAME</type></StartVM>`));
        assert.equal(r.status, 500, 'a fault is HTTP 500 (SOAP 1.1)');
        return bodyOf(xml(r.body));
      } finally {
        release();
      }
    },
    // The callback of the StartVM example's job, once it completed.
    'would let anyone make the server send requests anywhere.': async () => {
      const id = jobs.get('StartVM');
      assert.ok(id, 'the StartVM example ran before');
      await s.server.core.tasks.wait(SYSTEM_CALLER, id);
      const final = (): string | undefined => callbacks.find((c) => c.includes(`>${id}<`) && c.includes('>COMPLETED<'));
      for (let i = 0; i < 500 && !final(); i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(final(), `a COMPLETED JobUpdated for ${id}; received: ${callbacks.length}`);
      return bodyOf(xml(final()!));
    },
  };

  it('the page has its examples (ten blocks or more)', () => {
    assert.ok(fences.length >= 10, `found ${fences.length}`);
  });

  for (let i = 0; i < fences.length; i++) {
    const f = fences[i]!;
    const next = fences[i + 1];
    if (f.followsPrevious) continue; // a reply: run with its request
    const isPair = next?.followsPrevious === true;
    it(`line ${f.line}: ${f.text.replace(/<s:Envelope[^>]*><s:Body>\s*/, '').replace(/\s+/g, ' ').trim().slice(0, 90)}`, async () => {
      if (!isPair) {
        const how = ALONE[intro(f)];
        assert.ok(how, `no setup for the reply introduced by "${intro(f)}": add one to ALONE`);
        const documented = xml(withNamespace(f.text));
        assert.deepEqual(xmlDifferences(documented, await how(), VOLATILE), []);
        return;
      }
      const request = withNamespace(f.text);
      const wholeRequest = request.trimStart().startsWith('<s:Envelope') ? request : envelope(request);
      const op = bodyOf(xml(wholeRequest));
      const r = await post(wholeRequest);
      assert.equal(r.status, 200, r.body);
      const documentedText = withNamespace(next.text);
      const documented = xml(documentedText);
      const actualRoot = xml(r.body);
      const actual = documentedText.trimStart().startsWith('<s:Envelope') ? actualRoot : bodyOf(actualRoot);
      assert.deepEqual(xmlDifferences(documented, actual, VOLATILE), [], r.body);
      const opName = op.name.slice(op.name.indexOf(':') + 1);
      if (/^(startvm|placevm)$/.test(opName)) {
        const id = actual.children[0]?.text ?? '';
        assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a job GUID');
        jobs.set(opName === 'startvm' ? 'StartVM' : 'PlaceVM', id);
        await s.server.core.tasks.wait(SYSTEM_CALLER, id);
      }
    });
  }
});
