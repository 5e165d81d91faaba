import type { XmlElement, XmlValue } from './xml.ts';
import { XmlError, child, parseXml, renderValue, escapeXml } from './xml.ts';

/** `<exec><op>NAME</op><in>…</in></exec>` */
export interface ExecRequest {
  readonly op: string;
  /** The `<in>` element; undefined when the request has none. */
  readonly input: XmlElement | undefined;
}

export interface Product {
  readonly id: string;
  readonly title: string;
  readonly version: string;
  readonly build: string;
}

export interface ExecFailure {
  readonly code: string;
  readonly message: string;
}

export type ExecReply =
  | { readonly ok: true; readonly product: Product; readonly out: XmlElement | undefined }
  | { readonly ok: false; readonly product: Product; readonly error: ExecFailure };

export function parseExecRequest(xml: string): ExecRequest {
  const root = parseXml(xml);
  if (root.name !== 'exec') throw new XmlError(`the root element must be <exec>, not <${root.name}>`);
  const op = child(root, 'op');
  if (!op || !op.text) throw new XmlError('the request has no <op>');
  return { op: op.text, input: child(root, 'in') };
}

/** Builds a request: `input` is XML text for `<in>`'s content, or values rendered as elements. */
export function renderExecRequest(op: string, input?: string | XmlValue): string {
  const inner = input === undefined ? '' : typeof input === 'string' ? input : renderValue(input);
  return `<exec><op>${escapeXml(op)}</op><in>${inner}</in></exec>`;
}

function renderProduct(p: Product): string {
  return `<product id="${escapeXml(p.id)}"><title>${escapeXml(p.title)}</title><version>${escapeXml(p.version)}</version><build>${escapeXml(p.build)}</build></product>`;
}

export function renderSuccess(product: Product, out: XmlValue): string {
  return `<exec>${renderProduct(product)}<returncode>1</returncode><out>${renderValue(out)}</out></exec>`;
}

export function renderFailure(product: Product, error: ExecFailure): string {
  return `<exec>${renderProduct(product)}<returncode>0</returncode><error><code>${escapeXml(error.code)}</code><message>${escapeXml(error.message)}</message></error></exec>`;
}

export function parseExecReply(xml: string): ExecReply {
  const root = parseXml(xml);
  if (root.name !== 'exec') throw new XmlError(`the reply's root element must be <exec>, not <${root.name}>`);
  const p = child(root, 'product');
  const product: Product = {
    id: p?.attrs.get('id') ?? '',
    title: child(p, 'title')?.text ?? '',
    version: child(p, 'version')?.text ?? '',
    build: child(p, 'build')?.text ?? '',
  };
  const rc = child(root, 'returncode')?.text;
  if (rc === '1') return { ok: true, product, out: child(root, 'out') };
  const e = child(root, 'error');
  return { ok: false, product, error: { code: child(e, 'code')?.text ?? 'unknown', message: child(e, 'message')?.text ?? `returncode ${rc ?? 'missing'}` } };
}
