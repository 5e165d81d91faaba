import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * The View broker's XML, read and written: a small element tree (names lower-cased, text
 * trimmed, attributes in a Map) and a renderer. Shared by the face and the client; it
 * imports nothing from core.
 */

export interface XmlElement {
  /** Lower-cased: clients and servers match element names case-insensitively. */
  readonly name: string;
  readonly attrs: ReadonlyMap<string, string>;
  readonly children: readonly XmlElement[];
  /** The element's own text (its text nodes joined, trimmed). */
  readonly text: string;
}

/** What a reply is built from. */
export interface XmlNode {
  readonly name: string;
  readonly attrs?: Readonly<Record<string, string>>;
  readonly children?: readonly XmlNode[];
  readonly text?: string;
}

export const XML_LIMITS = {
  /** Tags in one document (start, end and empty tags all count). */
  maxTags: 4096,
  /** Element nesting. */
  maxDepth: 24,
  /** Characters of one document (the HTTP body limit is the real fence; this guards the parser). */
  maxChars: 2 * 1024 * 1024,
} as const;

export type XmlParseResult = { readonly ok: true; readonly root: XmlElement } | { readonly ok: false; readonly problem: string };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  transformTagName: (n) => n.toLowerCase(),
  maxNestedTags: XML_LIMITS.maxDepth,
});

/**
 * Parses one document. Refused before the parser sees it: a DOCTYPE or entity
 * declaration (no entity expansion, no external fetches), more than {@link XML_LIMITS}
 * tags or characters. Then checked for well-formedness; one root element.
 */
export function parseXml(text: string): XmlParseResult {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.length > XML_LIMITS.maxChars) return { ok: false, problem: `the document is longer than ${XML_LIMITS.maxChars} characters` };
  if (/<!DOCTYPE/i.test(body) || /<!ENTITY/i.test(body)) return { ok: false, problem: 'a DOCTYPE or entity declaration is not accepted' };
  let tags = 0;
  for (let i = body.indexOf('<'); i !== -1; i = body.indexOf('<', i + 1)) {
    if (++tags > XML_LIMITS.maxTags) return { ok: false, problem: `the document has more than ${XML_LIMITS.maxTags} tags` };
  }
  if (body.trim() === '') return { ok: false, problem: 'the request body is empty' };
  const valid = XMLValidator.validate(body);
  if (valid !== true) return { ok: false, problem: `the XML is not well-formed: ${valid.err.msg} (line ${valid.err.line})` };
  let nodes: unknown;
  try {
    nodes = parser.parse(body);
  } catch (e) {
    return { ok: false, problem: `the XML cannot be read: ${(e as Error).message}` };
  }
  const elements = toElements(nodes, 0);
  if (elements === null) return { ok: false, problem: `elements are nested deeper than ${XML_LIMITS.maxDepth}` };
  if (elements.length !== 1) return { ok: false, problem: `the document must have one root element, not ${elements.length}` };
  return { ok: true, root: elements[0]! };
}

/** fast-xml-parser's ordered output (`[{tag: [...], ':@': {...}}, {'#text': 'x'}]`) as elements; null if too deep. */
function toElements(nodes: unknown, depth: number): XmlElement[] | null {
  if (!Array.isArray(nodes)) return [];
  if (depth > XML_LIMITS.maxDepth) return null;
  const out: XmlElement[] = [];
  for (const n of nodes as Record<string, unknown>[]) {
    const key = Object.keys(n).find((k) => k !== ':@');
    if (key === undefined || key === '#text') continue;
    const raw = n[key];
    const attrs = new Map<string, string>();
    const a = n[':@'];
    if (a && typeof a === 'object') for (const [k, v] of Object.entries(a as Record<string, unknown>)) attrs.set(k.toLowerCase(), String(v));
    const children = toElements(raw, depth + 1);
    if (children === null) return null;
    const text = Array.isArray(raw)
      ? (raw as Record<string, unknown>[])
          .filter((c) => Object.prototype.hasOwnProperty.call(c, '#text'))
          .map((c) => String(c['#text']))
          .join('')
          .trim()
      : '';
    out.push({ name: key, attrs, children, text });
  }
  return out;
}

/** The first child named `name` (lower case), if any. */
export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

/** All children named `name`. */
export function children(el: XmlElement | undefined, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

/** The text of the path of children `names` below `el` ('' if absent). */
export function textAt(el: XmlElement | undefined, ...names: string[]): string {
  let cur = el;
  for (const n of names) cur = child(cur, n);
  return cur?.text ?? '';
}

const XML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(s: string): string {
  // Characters XML 1.0 cannot carry at all are dropped.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

export function renderNode(n: XmlNode): string {
  const attrs = n.attrs ? Object.entries(n.attrs).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('') : '';
  const inner = (n.text !== undefined ? escapeXml(n.text) : '') + (n.children ?? []).map(renderNode).join('');
  return inner === '' ? `<${n.name}${attrs}/>` : `<${n.name}${attrs}>${inner}</${n.name}>`;
}

/** `<name>text</name>` */
export function leaf(name: string, text: string | number | boolean): XmlNode {
  return { name, text: String(text) };
}

/** `<name>children…</name>` */
export function node(name: string, ...kids: readonly XmlNode[]): XmlNode {
  return { name, children: kids };
}
