/**
 * The examples of the docs, extracted from their fenced blocks. The vAPI page's requests:
 *
 *     METHOD /path[?query]      [header: value | (precondition)]
 *     [request body, JSON]
 *     → STATUS [response body]            (REST)
 *     → {"jsonrpc":…}  or  → vapi-error: <name> {…}   (JSON-RPC, HTTP 200)
 *
 * Placeholders the docs use: CRED (guest credentials), "…" or "<token>" as a session id,
 * `"ctx":{…}` / `…ctx…` for the JSON-RPC context, `"password":"…"`.
 *
 * The other pages (View and RDV XML, the vmserverd door, the CLI's transcripts) are read
 * with extractFences (every fenced block of the given languages) and compared with
 * xmlDifferences (element names, order and texts) or line by line in their own tests.
 */
import { readFileSync } from 'node:fs';
import type { XmlElement } from '../../src/protocols/view/index.ts';

export interface DocExample {
  readonly file: string;
  /** 1-based line of the request line. */
  readonly line: number;
  readonly method: string;
  readonly path: string;
  /** What follows the path on the request line: a header or a (precondition). */
  readonly note: string;
  readonly body: string;
  /** The documented HTTP status (200 for JSON-RPC). */
  readonly status: number;
  /** The documented vapi-error header (JSON-RPC), if any. */
  readonly vapiError: string | null;
  /** The documented response body text ('' when none). */
  readonly response: string;
}

const REQUEST = /^(GET|POST|PUT|PATCH|DELETE) (\/\S*)\s*(.*)$/;

export function extractExamples(file: string): DocExample[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: DocExample[] = [];
  let inFence = false;
  let cur: { line: number; method: string; path: string; note: string; body: string[]; status: number | null; vapiError: string | null; response: string[]; mode: 'body' | 'response' } | null = null;
  const flush = (): void => {
    if (cur && cur.status !== null) {
      out.push({ file, line: cur.line, method: cur.method, path: cur.path, note: cur.note.trim(), body: cur.body.join('\n').trim(), status: cur.status, vapiError: cur.vapiError, response: cur.response.join('\n').trim() });
    } else if (cur) {
      throw new Error(`${file}:${cur.line}: a request example with no "→ status" line`);
    }
    cur = null;
  };
  lines.forEach((text, i) => {
    if (/^\s*```/.test(text)) {
      if (inFence) flush();
      inFence = !inFence;
      return;
    }
    if (!inFence) return;
    const req = REQUEST.exec(text);
    if (req) {
      flush();
      cur = { line: i + 1, method: req[1]!, path: req[2]!, note: req[3] ?? '', body: [], status: null, vapiError: null, response: [], mode: 'body' };
      return;
    }
    if (!cur) return;
    const c = cur as NonNullable<typeof cur>;
    const t = text.trim();
    if (t.startsWith('→')) {
      c.mode = 'response';
      const rest = t.slice(1).trim();
      const st = /^(\d{3})\b\s*(.*)$/.exec(rest);
      if (st) {
        c.status = Number(st[1]);
        if (st[2]) c.response.push(st[2]);
      } else if (rest.startsWith('vapi-error:')) {
        c.status = 200;
        c.vapiError = rest.slice('vapi-error:'.length).trim();
      } else {
        c.status = 200; // JSON-RPC answers in the body
        if (rest) c.response.push(rest);
      }
      return;
    }
    if (t === '') {
      if (c.mode === 'response') flush();
      return;
    }
    (c.mode === 'body' ? c.body : c.response).push(text);
  });
  return out;
}

/**
 * The shape of `doc` found in `actual`: the same keys in every object, the same kinds of
 * values, array elements like the first documented one. `null` and "…" in the docs match
 * anything. Returns the differences ('' paths are the root).
 */
export function shapeDifferences(doc: unknown, actual: unknown, path = ''): string[] {
  if (doc === null || doc === '…') return [];
  if (Array.isArray(doc)) {
    if (!Array.isArray(actual)) return [`${path || '(root)'}: documented a list, got ${JSON.stringify(actual)?.slice(0, 80)}`];
    if (doc.length === 0 || actual.length === 0) return [];
    return shapeDifferences(doc[0], actual[0], `${path}[0]`);
  }
  if (typeof doc === 'object') {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return [`${path || '(root)'}: documented an object, got ${JSON.stringify(actual)?.slice(0, 80)}`];
    const d = doc as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    const diffs: string[] = [];
    for (const k of Object.keys(d)) if (!(k in a)) diffs.push(`${path}.${k}: documented, not in the answer`);
    for (const k of Object.keys(a)) if (!(k in d)) diffs.push(`${path}.${k}: in the answer, not documented`);
    for (const k of Object.keys(d)) if (k in a) diffs.push(...shapeDifferences(d[k], a[k], `${path}.${k}`));
    return diffs;
  }
  if (typeof doc !== typeof actual) return [`${path || '(root)'}: documented ${typeof doc} ${JSON.stringify(doc)}, got ${JSON.stringify(actual)}`];
  return [];
}

/** A fenced block of the docs: its language tag, the 1-based line of its first content line, its text. */
export interface DocFence {
  readonly file: string;
  readonly lang: string;
  readonly line: number;
  readonly text: string;
  /** The block opens on the line right after the previous block closed (a request/reply pair). */
  readonly followsPrevious: boolean;
}

/** Every fenced block of `file` whose language tag is one of `langs` ('' for none). */
export function extractFences(file: string, langs: readonly string[]): DocFence[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: DocFence[] = [];
  let open: { lang: string; line: number; body: string[]; indent: number; follows: boolean } | null = null;
  let lastClose = -2;
  lines.forEach((text, i) => {
    const fence = /^(\s*)```\s*(\S*)\s*$/.exec(text);
    if (!fence) {
      open?.body.push(text.slice(Math.min(open.indent, text.length - text.trimStart().length)));
      return;
    }
    if (open) {
      if (langs.includes(open.lang)) out.push({ file, lang: open.lang, line: open.line, text: open.body.join('\n'), followsPrevious: open.follows });
      open = null;
      lastClose = i;
      return;
    }
    open = { lang: fence[2]!, line: i + 2, body: [], indent: fence[1]!.length, follows: lastClose === i - 1 };
  });
  return out;
}

/** The local name of an XML element, lower case (`a:VM` → `vm`). */
const localName = (name: string): string => name.slice(name.indexOf(':') + 1).toLowerCase();

/**
 * How a documented XML element differs from the one received: the same element names in
 * the same order at every level, and the same text in every leaf, except leaves whose
 * documented text holds "…" or whose name is in `volatile` (ids, ports, tokens: any text,
 * but present); an element whose documented children are followed by "…" may have more
 * after them. Attributes are not compared (the docs elide namespaces as "…").
 */
export function xmlDifferences(doc: XmlElement, actual: XmlElement, volatile: ReadonlySet<string> = new Set(), path = ''): string[] {
  const here = `${path}/${localName(doc.name)}`;
  if (localName(doc.name) !== localName(actual.name)) return [`${here}: documented <${doc.name}>, got <${actual.name}>`];
  if (doc.children.length === 0) {
    if (actual.children.length > 0) return [`${here}: documented text ${JSON.stringify(doc.text)}, got elements ${actual.children.map((c) => c.name).join(', ')}`];
    if (doc.text.includes('…') || volatile.has(localName(doc.name))) return [];
    return doc.text === actual.text ? [] : [`${here}: documented ${JSON.stringify(doc.text)}, got ${JSON.stringify(actual.text)}`];
  }
  const d = doc.children.map((c) => localName(c.name));
  // "…" after an element's documented children: more may follow (the page shows the first ones).
  const a = actual.children.map((c) => localName(c.name)).slice(0, doc.text.includes('…') ? d.length : undefined);
  if (d.join(' ') !== a.join(' ')) return [`${here}: documented children ${d.join(', ')}; got ${actual.children.map((c) => localName(c.name)).join(', ')}`];
  return doc.children.flatMap((c, i) => xmlDifferences(c, actual.children[i]!, volatile, here));
}

/** Splits a command line as sh does for the page's examples (single and double quotes, no escapes). */
export function shellWords(line: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  let cur = '';
  let last = -1;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    const part = m[1] ?? m[2] ?? m[3]!;
    if (last === m.index) cur += part;
    else {
      if (last !== -1) out.push(cur);
      cur = part;
    }
    last = re.lastIndex;
  }
  if (last !== -1) out.push(cur);
  return out;
}
