/**
 * Every example of docs/faces/view.md's conversation runs, in the page's order, against a
 * real vmgate over HTTPS (the demo inventory the page was written with: the `demo` user
 * and its `Demo desktops` pool), as one client with a cookie jar. Each block is a request,
 * a blank line, then (optionally) `200  Set-Cookie: …` lines and the documented reply:
 * the reply must have the same elements in the same order and the same texts, except
 * ids, ports and tokens; the documented cookies must be set with the documented
 * attributes. A block that is only a reply fragment is the previous request done
 * differently (the page says how in the sentence before it); it has a setup here, and a
 * new such block without one fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseXml, type XmlElement } from '../../src/protocols/view/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { REPO_ROOT } from '../support/qemu-guest.ts';
import { BrokerConversation } from '../faces/view/view-kit.ts';
import { extractFences, xmlDifferences, type DocFence } from './doc-examples.ts';

const PAGE = join(REPO_ROOT, 'docs/faces/view.md');
const fences = extractFences(PAGE, ['xml']);
const PAGE_LINES = readFileSync(PAGE, 'utf8').split('\n');
/** Texts that differ on every server and every run. */
const VOLATILE = new Set(['port', 'token', 'session-id']);

interface Parsed {
  readonly request: string | null;
  readonly status: number;
  readonly cookies: readonly string[];
  readonly reply: string;
}

/** request XML, blank line, optional `STATUS  Set-Cookie: …` lines, reply XML. */
function parse(f: DocFence): Parsed {
  const parts = f.text.replace(/^POST \/broker\/xml\n/, '').split(/\n\s*\n/);
  if (parts.length === 1) return { request: null, status: 200, cookies: [], reply: parts[0]! };
  assert.equal(parts.length, 2, `${f.file}:${f.line}: a request, a blank line, a reply`);
  const replyLines = parts[1]!.split('\n');
  let status = 200;
  const cookies: string[] = [];
  const st = /^(\d{3})\b(.*)$/.exec(replyLines[0]!);
  if (st) {
    status = Number(st[1]);
    let head = st[2]!;
    replyLines.shift();
    while (replyLines[0] !== undefined && /^\s+Set-Cookie:/.test(replyLines[0])) head += ' ' + replyLines.shift()!;
    for (const c of head.split(/\s*Set-Cookie:\s*/).slice(1)) cookies.push(c.trim());
  }
  return { request: parts[0]!, status, cookies, reply: replyLines.join('\n') };
}

function xml(text: string): XmlElement {
  const r = parseXml(text);
  assert.ok(r.ok, `the documented XML parses: ${r.ok ? '' : r.problem}\n${text}`);
  return r.root;
}

/** A documented `Set-Cookie` against those received: the name, an empty value when cleared, and the attributes. */
function cookieDifferences(documented: string, received: readonly string[]): string[] {
  const [pair, ...attrs] = documented.split(/;\s*/);
  const name = pair!.slice(0, pair!.indexOf('='));
  const value = pair!.slice(pair!.indexOf('=') + 1);
  const got = received.find((c) => c.startsWith(`${name}=`));
  if (!got) return [`Set-Cookie ${name}: documented, not sent (sent: ${received.join(' | ')})`];
  const [gotPair, ...gotAttrs] = got.split(/;\s*/);
  const diffs: string[] = [];
  if (value === '' && gotPair !== `${name}=`) diffs.push(`${name}: documented as cleared, got ${gotPair}`);
  if (value.startsWith('p.') && !gotPair!.startsWith(`${name}=p.`)) diffs.push(`${name}: documented a pre-login id (p.…), got ${gotPair}`);
  const norm = (a: string): string => a.toLowerCase();
  for (const a of attrs) if (a !== '…' && !gotAttrs.map(norm).includes(norm(a))) diffs.push(`${name}: attribute ${a} documented, got ${gotAttrs.join('; ')}`);
  if (!attrs.includes('…')) for (const a of gotAttrs) if (!attrs.map(norm).includes(norm(a))) diffs.push(`${name}: attribute ${a} sent, not documented`);
  return diffs;
}

describe('docs/faces/view.md: every example, run against a server', () => {
  let s: TestServer;
  let client: BrokerConversation;
  let previous: Parsed | null = null;

  before(async () => {
    s = await startTestServer({ simSpeed: 1000 });
    client = new BrokerConversation(s);
  });
  after(async () => s?.close());

  /**
   * Reply fragments (no request of their own), by the sentence that introduces them: how
   * to send the previous request so that this is the answer. Returns the reply's elements.
   */
  const FRAGMENTS: Record<string, (previousRequest: string) => Promise<readonly XmlElement[]>> = {
    'A wrong password instead:': async (req) => {
      assert.ok(req.includes('<value>demo-password-1</value>'), 'the previous example logs in as demo');
      const other = new BrokerConversation(s);
      return (await other.post(req.replace('<value>demo-password-1</value>', '<value>not-the-password</value>'))).elements;
    },
  };
  /** The last line of prose before a block. */
  const intro = (f: DocFence): string => {
    for (let i = f.line - 3; i >= 0; i--) if (PAGE_LINES[i]!.trim() !== '') return PAGE_LINES[i]!.trim();
    return '';
  };

  it('the page has its conversation (six examples or more)', () => {
    assert.ok(fences.length >= 6, `found ${fences.length}`);
  });

  for (const f of fences) {
    it(`line ${f.line}: ${f.text.split('\n').find((l) => l.trim().startsWith('<') && !l.startsWith('<?xml'))?.trim().slice(0, 90) ?? ''}`, async () => {
      const ex = parse(f);
      const documented = xml(ex.request === null ? `<broker>${ex.reply}</broker>` : ex.reply);
      if (ex.request === null) {
        const how = FRAGMENTS[intro(f)];
        assert.ok(how, `no setup for the reply fragment introduced by "${intro(f)}": add one to FRAGMENTS`);
        assert.ok(previous?.request, 'a fragment follows a request');
        const elements = await how(previous.request);
        const actual: XmlElement = { name: 'broker', attrs: new Map(), children: elements, text: '' };
        assert.deepEqual(xmlDifferences(documented, actual, VOLATILE), []);
        return;
      }
      xml(ex.request); // the documented request is XML
      const r = await client.post(ex.request);
      assert.equal(r.status, ex.status);
      assert.deepEqual(xmlDifferences(documented, r.root, VOLATILE), [], r.body);
      assert.equal(r.root.attrs.get('version'), documented.attrs.get('version'), 'the documented version attribute');
      assert.deepEqual(ex.cookies.flatMap((c) => cookieDifferences(c, r.setCookies)), []);
      previous = ex;
    });
  }
});
