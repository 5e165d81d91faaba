import type { TransportOptions } from '../vapi/transport.ts';
import { Transport } from '../vapi/transport.ts';
import type { AuthScreen, ReplyElement, XmlElement, XmlNode } from '../../protocols/view/index.ts';
import { KNOWN_VERSIONS, REPLY_NAMES, child, children, leaf, node, parseBrokerReply, readScreen, renderBrokerRequest, textAt } from '../../protocols/view/index.ts';

export interface ViewClientOptions extends TransportOptions {
  /** `https://host:port` of the broker. */
  readonly server: string;
  /** The version to try first (default 15.0); the client steps down through the known versions when the broker says UNSUPPORTED_VERSION. */
  readonly version?: string;
  /** Cookies of an earlier session (what {@link ViewClient.cookies} held), to go on with it. */
  readonly cookies?: Readonly<Record<string, string>>;
}

/** A reply element with `<result>error</result>` (or an envelope error). */
export class ViewError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly userMessage: string,
    /** The screen to fill in again, when the broker sent one (a failed password). */
    readonly screen: AuthScreen | null = null,
  ) {
    super(`${code}: ${message}`);
    this.name = 'ViewError';
  }
}

export interface ViewDesktop {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly state: string;
  readonly sessionId: string;
  readonly resetAllowed: boolean;
  readonly protocols: readonly { readonly name: string; readonly isDefault: boolean }[];
}

export interface ViewConnection {
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly protocol: string;
  readonly sessionId: string;
  /** The console's one-time password ('' when the console does not ask for one). */
  readonly token: string;
}

export interface LoginInfo {
  readonly userName: string;
  /** The domain the session logged in with. */
  readonly domain: string;
  readonly idleTimeoutSeconds: number;
  readonly maxSessionSeconds: number;
}

/**
 * `vmgate/view`: a client of the View broker (`POST /broker/xml`) as VDI clients speak
 * it: a cookie jar, operations batched into one request, version step-down.
 */
export class ViewClient {
  readonly #transport: Transport;
  readonly #url: string;
  readonly #cookies = new Map<string, string>();
  #versions: string[];

  constructor(options: ViewClientOptions) {
    this.#transport = new Transport(options);
    this.#url = `${options.server.replace(/\/+$/, '')}/broker/xml`;
    const first = options.version ?? '15.0';
    this.#versions = [first, ...[...KNOWN_VERSIONS].reverse().filter((v) => Number(v) < Number(first))];
    for (const [k, v] of Object.entries(options.cookies ?? {})) this.#cookies.set(k, v);
  }

  /** Whether the broker session is logged in (get-authentication-status). */
  async authenticated(): Promise<boolean> {
    const [e] = await this.batch([{ name: 'get-authentication-status' }]);
    return e?.result === 'ok';
  }

  /** The protocol version in use (after any step-down). */
  get version(): string {
    return this.#versions[0]!;
  }

  /** The cookie jar (name → value). */
  get cookies(): ReadonlyMap<string, string> {
    return this.#cookies;
  }

  /** Sends operations in one request; the reply elements in order. Steps down on UNSUPPORTED_VERSION. */
  async batch(ops: readonly XmlNode[]): Promise<ReplyElement[]> {
    for (;;) {
      const headers: Record<string, string> = { 'content-type': 'text/xml' };
      if (this.#cookies.size > 0) headers.cookie = [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const r = await this.#transport.request({ method: 'POST', url: this.#url, headers, body: renderBrokerRequest(this.version, ops) });
      this.#keepCookies(r.headers['set-cookie']);
      const reply = parseBrokerReply(r.body.toString('utf8'));
      if (!reply.ok) {
        if (reply.errorCode === 'UNSUPPORTED_VERSION' && this.#versions.length > 1) {
          this.#versions = this.#versions.slice(1);
          continue;
        }
        throw new ViewError(reply.errorCode || `HTTP ${r.status}`, reply.message, reply.message);
      }
      return [...reply.elements];
    }
  }

  /** One operation; its reply element, or a ViewError for `error`. */
  async call(op: XmlNode): Promise<ReplyElement> {
    const [e] = await this.batch([op]);
    return check(e, op.name);
  }

  /** Start-up: set-locale + get-configuration; the login screen, if one is asked for. */
  async start(locale = 'en_US'): Promise<AuthScreen | null> {
    const [l, conf] = await this.batch([node('set-locale', leaf('locale', locale)), { name: 'get-configuration' }]);
    check(l, 'set-locale');
    return readScreen(child(check(conf, 'get-configuration').element, 'authentication'));
  }

  /**
   * windows-password login. When the broker answers with another screen instead, a
   * ViewError carrying that screen: AUTHENTICATION_FAILED (the password screen again, with
   * its `error` text), DISCLAIMER_REQUIRED (accept it with {@link acceptDisclaimer} first)
   * or PASSWORD_EXPIRED (change it with {@link changeExpiredPassword}).
   */
  async login(userName: string, password: string, domain = ''): Promise<LoginInfo> {
    return this.#submit(screenOp('windows-password', { username: userName, password, domain }), 'do-submit-authentication');
  }

  /** Accepts the disclaimer screen; the screen that follows (the password screen). */
  async acceptDisclaimer(): Promise<AuthScreen | null> {
    const [e] = await this.batch([screenOp('disclaimer', { accept: 'true' })]);
    if (e?.result === 'partial') {
      const screen = readScreen(child(e.element, 'authentication'));
      const error = screen?.params.find((p) => p.name === 'error')?.values[0];
      if (screen?.name === 'disclaimer' && error) throw new ViewError('DISCLAIMER_REQUIRED', error, error, screen);
      return screen;
    }
    check(e, 'do-submit-authentication');
    return null;
  }

  /** The windows-password-expired screen (after a login that threw PASSWORD_EXPIRED): a new password, and the session is logged in. */
  async changeExpiredPassword(currentPassword: string, newPassword: string): Promise<LoginInfo> {
    return this.#submit(screenOp('windows-password-expired', { oldPassword: currentPassword, newPassword1: newPassword, newPassword2: newPassword }), 'do-submit-authentication');
  }

  async #submit(op: XmlNode, name: string): Promise<LoginInfo> {
    const [e] = await this.batch([op]);
    if (e?.result === 'partial') {
      const screen = readScreen(child(e.element, 'authentication'));
      const error = screen?.params.find((p) => p.name === 'error')?.values[0];
      const code = screen?.name === 'disclaimer' ? 'DISCLAIMER_REQUIRED' : screen?.name === 'windows-password-expired' ? 'PASSWORD_EXPIRED' : 'AUTHENTICATION_FAILED';
      const text = error ?? (code === 'DISCLAIMER_REQUIRED' ? 'accept the disclaimer first' : `the broker asks for the '${screen?.name ?? '?'}' screen`);
      throw new ViewError(code, text, text, screen);
    }
    const ok = check(e, name).element;
    return { userName: textAt(ok, 'user-name'), domain: textAt(ok, 'domain-name'), idleTimeoutSeconds: Number(textAt(ok, 'idle-timeout')), maxSessionSeconds: Number(textAt(ok, 'max-broker-session-time')) };
  }

  async desktops(): Promise<ViewDesktop[]> {
    const e = await this.call({ name: 'get-desktops' });
    return children(e.element, 'desktop').map(readDesktop);
  }

  /** Launches a desktop: its console's address, port, protocol and one-time token. */
  async connect(desktopId: string, protocol = 'VNC'): Promise<ViewConnection> {
    const e = (await this.call(node('get-desktop-connection', leaf('desktop-id', desktopId), node('protocol', leaf('name', protocol))))).element;
    return { id: textAt(e, 'id'), address: textAt(e, 'address'), port: Number(textAt(e, 'port')), protocol: textAt(e, 'protocol'), sessionId: textAt(e, 'session-id'), token: textAt(e, 'protocol-settings', 'token') };
  }

  async killSession(sessionId: string): Promise<void> {
    await this.call(node('kill-session', leaf('session-id', sessionId)));
  }

  async resetDesktop(desktopId: string): Promise<void> {
    await this.call(node('reset-desktop', leaf('desktop-id', desktopId)));
  }

  async logout(): Promise<void> {
    await this.call({ name: 'do-logout' });
    this.#cookies.clear();
  }

  close(): void {
    this.#transport.close();
  }

  #keepCookies(raw: string | string[] | undefined): void {
    for (const c of raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]) {
      const pair = c.split(';')[0]!;
      const i = pair.indexOf('=');
      if (i <= 0) continue;
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      if (value === '' || /;\s*Max-Age=0/i.test(c)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
}

/** `<do-submit-authentication><screen>` with one value per param. */
function screenOp(name: string, params: Readonly<Record<string, string>>): XmlNode {
  const param = (n: string, value: string): XmlNode => node('param', leaf('name', n), node('values', leaf('value', value)));
  return node('do-submit-authentication', node('screen', leaf('name', name), node('params', ...Object.entries(params).map(([k, v]) => param(k, v)))));
}

function check(e: ReplyElement | undefined, op: string): ReplyElement {
  if (!e) throw new ViewError('PROTOCOL_ERROR', `no reply to ${op}`, `no reply to ${op}`);
  const want = REPLY_NAMES.get(op);
  if (want !== undefined && e.name !== want) throw new ViewError('PROTOCOL_ERROR', `expected <${want}>, got <${e.name}>`, 'unexpected reply');
  if (e.result !== 'ok') throw new ViewError(e.errorCode || e.result, e.errorMessage || `${op}: ${e.result}`, e.userMessage);
  return e;
}

function readDesktop(d: XmlElement): ViewDesktop {
  return {
    id: textAt(d, 'id'),
    name: textAt(d, 'name'),
    type: textAt(d, 'type'),
    state: textAt(d, 'state'),
    sessionId: textAt(d, 'session-id'),
    resetAllowed: textAt(d, 'reset-allowed') === 'true',
    protocols: children(child(d, 'protocols'), 'protocol').map((p) => ({ name: textAt(p, 'name'), isDefault: textAt(p, 'is-default') === 'true' })),
  };
}
