import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * The XML of vmserverd exec messages: element text only, no type information. Parsed
 * into a small tree of our own (never into plain objects keyed by element name, so an
 * element called `__proto__` or `toString` is just a name).
 */
export interface XmlElement {
  readonly name: string;
  readonly attrs: ReadonlyMap<string, string>;
  readonly children: readonly XmlElement[];
  /** The element's own text (text nodes joined), trimmed. */
  readonly text: string;
  /** The same text untrimmed (file contents). */
  readonly rawText: string;
}

export class XmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlError';
  }
}

/** DOCTYPE and entity declarations are refused before any parser sees the text. */
const DECLARATION_RE = /<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true, // character references (&#52;) are decoded; no declared entities exist (refused above)
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: false,
});

type OrderedNode = Record<string, unknown>;

/** Parses one XML document to its root element; XmlError when it is not well-formed or declares anything. */
export function parseXml(text: string): XmlElement {
  if (DECLARATION_RE.test(text)) throw new XmlError('DOCTYPE and entity declarations are not accepted');
  // Characters XML 1.0 does not allow, raw or as references (&#0;), make a document malformed.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(text)) throw new XmlError('malformed XML: a control character');
  for (const m of text.matchAll(/&#(x[0-9a-fA-F]+|[0-9]+);/g)) {
    const cp = m[1]!.startsWith('x') ? parseInt(m[1]!.slice(1), 16) : parseInt(m[1]!, 10);
    if (!(cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff))) {
      throw new XmlError(`malformed XML: ${m[0]} is not a character XML allows`);
    }
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new XmlError(`malformed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const nodes = parser.parse(text) as OrderedNode[];
  const roots = nodes.map(toElement).filter((e): e is XmlElement => e !== null);
  if (roots.length !== 1) throw new XmlError(`an XML document needs exactly one root element, not ${roots.length}`);
  return roots[0]!;
}

function toElement(node: OrderedNode): XmlElement | null {
  let name: string | null = null;
  for (const k of Object.keys(node)) if (k !== ':@' && k !== '#text') name = k;
  if (name === null) return null;
  const attrs = new Map<string, string>();
  const rawAttrs = node[':@'];
  if (rawAttrs && typeof rawAttrs === 'object') for (const [k, v] of Object.entries(rawAttrs)) attrs.set(k, String(v));
  const kids = (node[name] ?? []) as OrderedNode[];
  const children: XmlElement[] = [];
  let text = '';
  for (const k of kids) {
    if (Object.prototype.hasOwnProperty.call(k, '#text')) text += String(k['#text']);
    else {
      const c = toElement(k);
      if (c) children.push(c);
    }
  }
  return { name, attrs, children, text: text.trim(), rawText: text };
}

/** First child element called `name`. */
export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

/** Every child element called `name`. */
export function childrenNamed(el: XmlElement | undefined, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

export function escapeXml(s: string): string {
  // Characters XML 1.0 cannot carry at all are dropped (a NUL in a message, say).
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/**
 * Values a reply carries, rendered as element text: an object is a sequence of child
 * elements, an array repeats its key's element (`{ op: ['a', 'b'] }` → `<op>a</op><op>b</op>`).
 */
export type XmlValue = string | number | boolean | null | undefined | readonly XmlValue[] | { readonly [name: string]: XmlValue };

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function renderValue(v: XmlValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return escapeXml(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(typeof v === 'boolean' ? (v ? 1 : 0) : v);
  if (Array.isArray(v)) return v.map((x) => renderValue(x as XmlValue)).join('');
  let out = '';
  for (const [k, val] of Object.entries(v as Record<string, XmlValue>)) {
    if (!NAME_RE.test(k)) throw new XmlError(`'${k}' is not an XML element name`);
    if (Array.isArray(val)) for (const item of val as XmlValue[]) out += `<${k}>${renderValue(item)}</${k}>`;
    else if (val === undefined) continue;
    else out += `<${k}>${renderValue(val)}</${k}>`;
  }
  return out;
}

/** An element as plain data: text when it has no children, else an object of children (repeated names become arrays). */
export function elementToValue(el: XmlElement): XmlValue {
  if (el.children.length === 0) return el.text;
  const out: Record<string, XmlValue> = Object.create(null) as Record<string, XmlValue>;
  for (const c of el.children) {
    const v = elementToValue(c);
    const prev = out[c.name];
    if (prev === undefined) out[c.name] = v;
    else if (Array.isArray(prev)) (prev as XmlValue[]).push(v);
    else out[c.name] = [prev, v];
  }
  return out;
}

/** Serialises an element back to XML text (used to pass `<in>` through unchanged). */
export function renderElement(el: XmlElement): string {
  let attrs = '';
  for (const [k, v] of el.attrs) attrs += ` ${k}="${escapeXml(v)}"`;
  return `<${el.name}${attrs}>${escapeXml(el.text)}${el.children.map(renderElement).join('')}</${el.name}>`;
}
