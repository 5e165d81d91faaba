import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * A small namespace-aware XML reader on top of fast-xml-parser (which keeps prefixes but
 * does not resolve them). Refuses DOCTYPE and entity declarations before parsing (no
 * entity expansion, no external fetches) and documents nested deeper than a limit.
 */

export interface XmlElement {
  /** Namespace URI ('' when none). */
  readonly ns: string;
  readonly local: string;
  /** Attributes by `{ns}local` (or `local` without namespace), namespace declarations left out. */
  readonly attrs: ReadonlyMap<string, string>;
  readonly children: readonly XmlElement[];
  /** Concatenated text directly inside this element. */
  readonly text: string;
}

export class XmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlError';
  }
}

export const MAX_DEPTH = 64;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: false,
});

/**
 * Depth of the deepest element, counted without building anything (stops past `limit`).
 * One pass with indexOf (linear: no backtracking on bodies full of '<').
 */
function depthOf(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; ; ) {
    const lt = text.indexOf('<', i);
    if (lt < 0) return max;
    const gt = text.indexOf('>', lt + 1);
    if (gt < 0) return max;
    const c = text[lt + 1];
    if (c === '/') depth--;
    else if (c !== '!' && c !== '?' && text[gt - 1] !== '/') {
      depth++;
      if (depth > max) max = depth;
      if (max > limit) return max;
    }
    i = gt + 1;
  }
}

export function parseXml(text: string): XmlElement {
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) throw new XmlError('DOCTYPE and entity declarations are not accepted');
  if (depthOf(text, MAX_DEPTH) > MAX_DEPTH) throw new XmlError(`the document is nested deeper than ${MAX_DEPTH} elements`);
  const v = XMLValidatorLite(text);
  if (v) throw new XmlError(v);
  let nodes: unknown[];
  try {
    nodes = parser.parse(text) as unknown[];
  } catch (e) {
    throw new XmlError(`not well-formed XML: ${(e as Error).message}`);
  }
  const roots = nodes.filter((n) => elementName(n) !== null);
  if (roots.length !== 1) throw new XmlError(`an XML document has one root element, not ${roots.length}`);
  return build(roots[0]!, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]));
}

function XMLValidatorLite(text: string): string | null {
  const r = XMLValidator.validate(text, { allowBooleanAttributes: false });
  return r === true ? null : `not well-formed XML: ${r.err.msg} (line ${r.err.line})`;
}

function elementName(n: unknown): string | null {
  if (!n || typeof n !== 'object') return null;
  for (const k of Object.keys(n)) if (k !== ':@' && k !== '#text') return k;
  return null;
}

function build(node: unknown, scope: ReadonlyMap<string, string>): XmlElement {
  const name = elementName(node)!;
  const rec = node as Record<string, unknown>;
  const rawAttrs = (rec[':@'] ?? {}) as Record<string, string>;
  const ns = new Map(scope);
  for (const [k, v] of Object.entries(rawAttrs)) {
    if (k === 'xmlns') ns.set('', String(v));
    else if (k.startsWith('xmlns:')) ns.set(k.slice(6), String(v));
  }
  const [prefix, local] = splitName(name);
  const uri = ns.get(prefix);
  if (uri === undefined && prefix !== '') throw new XmlError(`namespace prefix '${prefix}' is not declared`);
  const attrs = new Map<string, string>();
  for (const [k, v] of Object.entries(rawAttrs)) {
    if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
    const [ap, al] = splitName(k);
    if (ap === '') attrs.set(al, String(v));
    else {
      const au = ns.get(ap);
      if (au === undefined) throw new XmlError(`namespace prefix '${ap}' is not declared`);
      attrs.set(`{${au}}${al}`, String(v));
    }
  }
  const children: XmlElement[] = [];
  let text = '';
  for (const c of (rec[name] ?? []) as unknown[]) {
    if (c && typeof c === 'object' && '#text' in c) text += String((c as Record<string, unknown>)['#text']);
    else if (elementName(c) !== null) children.push(build(c, ns));
  }
  return { ns: uri ?? '', local, attrs, children, text };
}

function splitName(n: string): [string, string] {
  const i = n.indexOf(':');
  return i < 0 ? ['', n] : [n.slice(0, i), n.slice(i + 1)];
}

/** Escapes text for element content and double-quoted attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}
