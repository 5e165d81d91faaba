/**
 * Every example of docs/faces/view.md runs against a real vmgate over HTTPS. The blocks of
 * the "Example conversation" section run in the page's order (the demo inventory the page was written with: the `demo` user
 * and its `Demo desktops` pool), as one client with a cookie jar. Each block is a request,
 * a blank line, then (optionally) `200  Set-Cookie: …` lines and the documented reply:
 * the reply must have the same elements in the same order and the same texts, except
 * ids, ports and tokens; the documented cookies must be set with the documented
 * attributes. A block that is only a reply fragment is the previous request done
 * differently (the page says how in the sentence before it); it has a setup here, and a
 * new such block without one fails. The blocks before that section stand alone (the
 * operations, the authentication screens, published applications): each is run by the one
 * entry of STANDALONE that matches it, against servers set up as the page says (a
 * disclaimer and domain list, an account that must change its password, an application
 * pool); a new block that no entry matches fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VapiClient } from '../../src/clients/vapi/index.ts';
import { SYSTEM_CALLER } from '../../src/core/index.ts';
import { parseXml, type XmlElement } from '../../src/protocols/view/index.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/test-server.ts';
import { REPO_ROOT } from '../support/qemu-guest.ts';
import { BrokerConversation, GET_DESKTOPS, LOGIN, expectElement } from '../faces/view/view-kit.ts';
import { extractFences, xmlDifferences, type DocFence } from './doc-examples.ts';

const PAGE = join(REPO_ROOT, 'docs/faces/view.md');
const fences = extractFences(PAGE, ['xml']);
const PAGE_LINES = readFileSync(PAGE, 'utf8').split('\n');
/** The first line of the section whose blocks are one conversation; blocks above it stand alone. */
const CONVERSATION_LINE = PAGE_LINES.findIndex((l) => l.startsWith('## Example conversation')) + 1;
const ICON = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
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

  /** Standalone blocks: the demo (preferences, applications) and a server with a disclaimer and domains (the screens). */
  let demo: TestServer;
  let screens: TestServer;
  /** demo, logged in on `demo`; carol (entitled to the application pool) and dave (not) on `demo`; one client on `screens`. */
  let asDemo: BrokerConversation;
  let asCarol: BrokerConversation;
  let asDave: BrokerConversation;
  let onScreens: BrokerConversation;

  const loggedIn = async (server: TestServer, user: string, password: string): Promise<BrokerConversation> => {
    const c = new BrokerConversation(server);
    expectElement((await c.ops('15.0', LOGIN(user, password))).elements[0], 'submit-authentication', 'ok');
    return c;
  };

  before(async () => {
    s = await startTestServer({ simSpeed: 1000 });
    client = new BrokerConversation(s);
    demo = await startTestServer({ simSpeed: 1000 });
    screens = await startTestServer({ simSpeed: 1000, viewDisclaimer: 'Authorised use only.', viewDomains: 'CORP,LAB' });
    // The screens: frank (user-3) must change his password and is entitled to the demo desktops.
    const sc = screens.server.core;
    await sc.identity.createUser(SYSTEM_CALLER, { name: 'frank', password: 'frank-password-1' });
    const frank = await sc.identity.resolveUser('frank');
    await sc.identity.setPermission(SYSTEM_CALLER, { principal: `user:${frank.id}`, entityId: 'root', roleId: 'desktop-user', propagate: true });
    await sc.vdi.entitle(SYSTEM_CALLER, (await sc.vdi.getPool(SYSTEM_CALLER, 'demo-desktops')).id, 'user:frank');
    await sc.identity.updateUser(SYSTEM_CALLER, frank.id, { mustChangePassword: true });
    onScreens = new BrokerConversation(screens);
    // Published applications as the page shows them: Calculator (app-1) and Notepad (app-2)
    // on an application pool carol is entitled to; dave is a desktop user without it.
    const dc = demo.server.core;
    for (const name of ['carol', 'dave']) {
      await dc.identity.createUser(SYSTEM_CALLER, { name, password: `${name}-password-1` });
      const u = await dc.identity.resolveUser(name);
      await dc.identity.setPermission(SYSTEM_CALLER, { principal: `user:${u.id}`, entityId: 'root', roleId: 'desktop-user', propagate: true });
    }
    const cluster = (await dc.ctx.store.clusters.getByName('DC0_C0'))!;
    const appsVm = (await dc.vms.create(SYSTEM_CALLER, { name: 'Apps-0', guestOs: 'windows9-64', cpuCount: 1, memoryMiB: 512, disks: [{ capacityMiB: 1024 }], placement: { clusterId: cluster.id } })).id;
    const admin = new VapiClient({ server: demo.baseUrl, flavour: 'rest', ca: demo.ca });
    try {
      await admin.login('administrator', ADMIN_PASSWORD);
      const pool = await admin.vmgate.pools.create({ name: 'office-apps', display_name: 'Office applications', type: 'APPLICATION', vms: [appsVm] });
      await admin.vmgate.pools.entitlements.add(pool, 'user:carol');
      assert.equal(await admin.vmgate.pools.applications.create(pool, { name: 'Calculator', path: 'C:\\Windows\\System32\\calc.exe', version: '10.0.19041', publisher: 'Microsoft Corporation', icon: ICON }), 'app-1');
      assert.equal(await admin.vmgate.pools.applications.create(pool, { name: 'Notepad', path: 'C:\\Windows\\notepad.exe' }), 'app-2');
    } finally {
      admin.close();
    }
    asDemo = await loggedIn(demo, 'demo', 'demo-password-1');
    asCarol = await loggedIn(demo, 'carol', 'carol-password-1');
    asDave = await loggedIn(demo, 'dave', 'dave-password-1');
  });
  after(async () => {
    await s?.close();
    await demo?.close();
    await screens?.close();
  });

  const broker = (elements: readonly XmlElement[]): { root: XmlElement; setCookies: readonly string[] } => ({ root: { name: 'broker', attrs: new Map(), children: elements, text: '' }, setCookies: [] });
  /**
   * The blocks above the conversation, each run by the one entry that matches it (by its
   * request, or for a reply fragment by the sentence before it). Returns the received
   * reply (a fragment: its elements in a <broker>) and, for cookie checks, the cookies.
   */
  const STANDALONE: { readonly what: string; readonly matches: (ex: Parsed, intro: string) => boolean; readonly run: (ex: Parsed) => Promise<{ root: XmlElement; setCookies: readonly string[] }> }[] = [
    { what: 'preferences, as demo', matches: (ex) => ex.request?.includes('<set-user-global-preferences>') ?? false, run: (ex) => asDemo.post(ex.request!) },
    { what: 'rollback-checkout-desktop, as demo', matches: (ex) => ex.request?.includes('<rollback-checkout-desktop>') ?? false, run: (ex) => asDemo.post(ex.request!) },
    { what: 'start-up with a disclaimer and domains', matches: (ex) => ex.request?.includes('<get-configuration/>') ?? false, run: (ex) => onScreens.post(ex.request!) },
    { what: 'accepting the disclaimer', matches: (ex) => ex.request?.includes('<name>disclaimer</name>') ?? false, run: (ex) => onScreens.post(ex.request!) },
    {
      what: "the login batch of frank, whose password must change (his password, domain CORP)",
      matches: (ex, intro) => ex.request === null && intro.startsWith('The password of an account that must change it'),
      run: async () => broker((await onScreens.ops('15.0', `${LOGIN('frank', 'frank-password-1', 'CORP')}<get-tunnel-connection/>${GET_DESKTOPS}`)).elements),
    },
    { what: 'changing the expired password', matches: (ex) => ex.request?.includes('<name>windows-password-expired</name>') ?? false, run: (ex) => onScreens.post(ex.request!) },
    { what: 'launch items, as carol', matches: (ex) => ex.request?.includes('<get-launch-items/>') ?? false, run: (ex) => asCarol.post(ex.request!) },
    { what: 'an application connection, as carol', matches: (ex) => ex.request?.includes('<get-application-connection>') ?? false, run: (ex) => asCarol.post(ex.request!) },
    {
      what: 'the same application connection, as dave (not entitled)',
      matches: (ex, intro) => ex.request === null && intro.endsWith('reads the same:'),
      run: async () => {
        const request = previousStandalone?.request;
        assert.ok(request?.includes('<get-application-connection>'), 'the block before asks for an application connection');
        return broker((await asDave.post(request!)).elements);
      },
    },
  ];
  let previousStandalone: Parsed | null = null;

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
      if (f.line < CONVERSATION_LINE) {
        const runs = STANDALONE.filter((e) => e.matches(ex, intro(f)));
        assert.equal(runs.length, 1, `line ${f.line} stands alone (above the conversation): exactly one STANDALONE entry must run it, found ${runs.map((r) => r.what).join(', ') || 'none'}`);
        if (ex.request !== null) xml(ex.request);
        const r = await runs[0]!.run(ex);
        assert.deepEqual(xmlDifferences(documented, r.root, VOLATILE), [], runs[0]!.what);
        if (ex.request !== null) assert.equal(r.root.attrs.get('version'), documented.attrs.get('version'), 'the documented version attribute');
        assert.deepEqual(ex.cookies.flatMap((c) => cookieDifferences(c, r.setCookies)), []);
        previousStandalone = ex;
        return;
      }
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
