import type { XmlElement, XmlNode } from './xml.ts';
import { child, children, leaf, node, parseXml, renderNode, textAt } from './xml.ts';

/**
 * The `/broker/xml` envelope: `<broker version="X">` with one element per operation, in
 * order, both ways. Element names are lower case here; the wire may use any case.
 */

/** Versions real clients send; any `major.minor` from 1.0 to 15.0 is accepted. */
export const KNOWN_VERSIONS = ['1.0', '2.0', '3.0', '4.0', '4.5', '9.0', '10.0', '14.0', '15.0'] as const;
export const HIGHEST_VERSION = '15.0';
/** Operations one request may carry (real clients batch two or three). */
export const MAX_OPERATIONS = 32;

export function isSupportedVersion(v: string): boolean {
  const m = /^(\d{1,2})\.(\d{1,2})$/.exec(v);
  if (!m) return false;
  const n = Number(m[1]) + Number(m[2]) / 100;
  return n >= 1 && n <= 15;
}

/** Request operation → the reply element that answers it. */
export const REPLY_NAMES: ReadonlyMap<string, string> = new Map([
  ['get-configuration', 'configuration'],
  ['set-locale', 'set-locale'],
  ['do-submit-authentication', 'submit-authentication'],
  ['get-authentication-status', 'authentication-status'],
  ['get-tunnel-connection', 'tunnel-connection'],
  ['get-desktops', 'desktops'],
  ['get-launch-items', 'launch-items'],
  ['get-desktop-connection', 'desktop-connection'],
  ['get-application-connection', 'application-session-connection'],
  ['get-application-session-connection', 'application-session-connection'],
  ['get-user-global-preferences', 'user-global-preferences'],
  ['set-user-global-preferences', 'set-user-global-preferences'],
  ['set-user-desktop-preferences', 'set-user-desktop-preferences'],
  ['do-logout', 'logout'],
  ['kill-session', 'kill-session'],
  ['reset-desktop', 'reset-desktop'],
  ['rollback-checkout-desktop', 'rollback-checkout-desktop'],
  ['do-lock', 'lock'],
]);

export type BrokerResult = 'ok' | 'partial' | 'error' | 'notexecuted';

export interface BrokerRequest {
  readonly version: string;
  readonly operations: readonly XmlElement[];
}

export interface EnvelopeProblem {
  /** UNSUPPORTED_VERSION, or PROTOCOL_ERROR for anything else unusable. */
  readonly code: 'UNSUPPORTED_VERSION' | 'PROTOCOL_ERROR';
  readonly message: string;
}

export type BrokerParse = { readonly ok: true; readonly request: BrokerRequest } | { readonly ok: false; readonly version: string | null; readonly problem: EnvelopeProblem };

/** Reads a request: one `<broker version>` root, a supported version, known operations only. */
export function parseBrokerRequest(text: string): BrokerParse {
  const doc = parseXml(text);
  if (!doc.ok) return { ok: false, version: null, problem: { code: 'PROTOCOL_ERROR', message: doc.problem } };
  const root = doc.root;
  if (root.name !== 'broker') return { ok: false, version: null, problem: { code: 'PROTOCOL_ERROR', message: `the root element must be 'broker', not '${root.name.slice(0, 64)}'` } };
  const version = root.attrs.get('version') ?? '';
  if (!isSupportedVersion(version)) {
    return { ok: false, version: null, problem: { code: 'UNSUPPORTED_VERSION', message: `protocol version '${version.slice(0, 16)}' is not supported; this broker speaks 1.0 to ${HIGHEST_VERSION}` } };
  }
  const ops = root.children;
  if (ops.length === 0) return { ok: false, version, problem: { code: 'PROTOCOL_ERROR', message: 'the request names no operation' } };
  if (ops.length > MAX_OPERATIONS) return { ok: false, version, problem: { code: 'PROTOCOL_ERROR', message: `one request may carry at most ${MAX_OPERATIONS} operations, not ${ops.length}` } };
  const unknown = ops.find((o) => !REPLY_NAMES.has(o.name));
  if (unknown) return { ok: false, version, problem: { code: 'PROTOCOL_ERROR', message: `unknown operation '${unknown.name.slice(0, 64)}'` } };
  return { ok: true, request: { version, operations: ops } };
}

/** The reply document: `<?xml?><broker version>` and the elements in order. */
export function renderBroker(version: string, elements: readonly XmlNode[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${renderNode({ name: 'broker', attrs: { version }, children: elements })}`;
}

/** A protocol error standing directly under `<broker>`. */
export function renderEnvelopeError(version: string | null, problem: EnvelopeProblem): string {
  return renderBroker(version ?? HIGHEST_VERSION, [leaf('result', 'error'), leaf('error-code', problem.code), leaf('error-message', problem.message), leaf('user-message', problem.message)]);
}

/** A request document (the client's side). */
export function renderBrokerRequest(version: string, operations: readonly XmlNode[]): string {
  return renderBroker(version, operations);
}

// ---- authentication screens ---------------------------------------------------------

export interface ScreenParam {
  readonly name: string;
  readonly values: readonly string[];
  readonly readonly?: boolean;
}

export interface AuthScreen {
  readonly name: string;
  readonly params: readonly ScreenParam[];
}

export function renderScreen(s: AuthScreen): XmlNode {
  return node(
    'authentication',
    node(
      'screen',
      leaf('name', s.name),
      node(
        'params',
        ...s.params.map((p) => ({ name: 'param', children: [leaf('name', p.name), node('values', ...p.values.map((v) => leaf('value', v))), ...(p.readonly ? [{ name: 'readonly' }] : [])] })),
      ),
    ),
  );
}

/** The screen of an `<authentication>` or `<screen>` element. */
export function readScreen(el: XmlElement | undefined): AuthScreen | null {
  const screen = el?.name === 'screen' ? el : child(el, 'screen');
  if (!screen) return null;
  return {
    name: textAt(screen, 'name'),
    params: children(child(screen, 'params'), 'param').map((p) => ({
      name: textAt(p, 'name'),
      values: children(child(p, 'values'), 'value').map((v) => v.text),
      ...(child(p, 'readonly') ? { readonly: true } : {}),
    })),
  };
}

/** A param's first value ('' if absent); params are matched by exact name, as clients send them. */
export function paramValue(s: AuthScreen, name: string): string {
  return s.params.find((p) => p.name === name)?.values[0] ?? '';
}

// ---- replies (the client's side) ----------------------------------------------------

export interface ReplyElement {
  readonly name: string;
  readonly result: BrokerResult | string;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly userMessage: string;
  readonly element: XmlElement;
}

export type BrokerReply = { readonly ok: true; readonly version: string; readonly elements: readonly ReplyElement[] } | { readonly ok: false; readonly version: string; readonly errorCode: string; readonly message: string };

export function parseBrokerReply(text: string): BrokerReply {
  const doc = parseXml(text);
  if (!doc.ok) return { ok: false, version: '', errorCode: 'PROTOCOL_ERROR', message: doc.problem };
  const root = doc.root;
  const version = root.attrs.get('version') ?? '';
  if (root.name !== 'broker') return { ok: false, version, errorCode: 'PROTOCOL_ERROR', message: `reply root is '${root.name}'` };
  if (child(root, 'result')) return { ok: false, version, errorCode: textAt(root, 'error-code'), message: textAt(root, 'error-message') };
  return {
    ok: true,
    version,
    elements: root.children.map((e) => ({ name: e.name, result: textAt(e, 'result'), errorCode: textAt(e, 'error-code'), errorMessage: textAt(e, 'error-message'), userMessage: textAt(e, 'user-message'), element: e })),
  };
}
