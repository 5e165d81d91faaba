/**
 * HTTP(S) for the vAPI client, on node:https / node:http. Node's built-in fetch cannot turn
 * off certificate verification for one request, so the client uses these with its own
 * keep-alive agents (`rejectUnauthorized: !insecure`, an optional CA bundle, or a pinned
 * certificate fingerprint).
 */
import http from 'node:http';
import https from 'node:https';
import type { Duplex, Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';

export interface TransportOptions {
  /** Skip TLS certificate verification (self-signed servers, tests). */
  readonly insecure?: boolean;
  /** PEM CA bundle to trust instead of the system's. */
  readonly ca?: string | Buffer;
  /**
   * Pin: accept exactly the certificate with this SHA-256 fingerprint (`AB:CD:…`, as
   * `openssl x509 -fingerprint -sha256` and vmgate's banner print it), whoever signed it and
   * whatever names it holds, and nothing else (like SSH's known_hosts). Any other
   * certificate fails the request with {@link CertificateMismatchError} before a byte of it
   * is sent.
   */
  readonly fingerprint256?: string;
  /** Per-request timeout in milliseconds (no data for this long aborts); default 60 s. */
  readonly timeoutMs?: number;
}

export interface HttpRequest {
  readonly method: string;
  /** Absolute URL. */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array | Readable;
  readonly signal?: AbortSignal;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** The server presented another certificate than the pinned one. */
export class CertificateMismatchError extends Error {
  readonly code = 'ERR_CERT_FINGERPRINT_MISMATCH';
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`the server's certificate (SHA-256 ${actual}) is not the pinned one (${expected})`);
    this.name = 'CertificateMismatchError';
  }
}

/** `ab:cd…`, `ABCD…` → `AB:CD:…`; undefined when it is not a SHA-256 fingerprint. */
export function normaliseFingerprint(raw: string): string | undefined {
  const hex = raw.trim().replace(/^sha256[:=]?/i, '').replace(/[:\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return undefined;
  return hex.match(/../g)!.join(':');
}

/**
 * Checks a new TLS connection against a pinned fingerprint: on 'secureConnect' (the
 * handshake is done, nothing of the request has been encrypted yet) a different
 * certificate destroys the socket, the same way Node refuses an untrusted one.
 */
export function pinSocket(socket: TLSSocket, fingerprint256: string): void {
  socket.once('secureConnect', () => {
    const actual = socket.getPeerCertificate().fingerprint256;
    if (actual !== fingerprint256) socket.destroy(new CertificateMismatchError(fingerprint256, actual ?? 'none'));
  });
}

/** An HTTPS agent for the options: system CAs, a CA bundle, no verification, or a pin. */
export function httpsAgent(options: Pick<TransportOptions, 'insecure' | 'ca' | 'fingerprint256'>, agentOptions: https.AgentOptions = {}): https.Agent {
  const pin = options.fingerprint256 === undefined ? undefined : normaliseFingerprint(options.fingerprint256);
  if (options.fingerprint256 !== undefined && pin === undefined) throw new TypeError(`'${options.fingerprint256}' is not a SHA-256 fingerprint`);
  if (pin === undefined) {
    return new https.Agent({ ...agentOptions, rejectUnauthorized: options.insecure !== true, ...(options.ca === undefined ? {} : { ca: options.ca }) });
  }
  // The chain and the names are not checked: the pin says which certificate is right. No
  // TLS session cache, so every connection shows its certificate.
  const agent = new https.Agent({ ...agentOptions, rejectUnauthorized: false, maxCachedSessions: 0 });
  const create = agent.createConnection.bind(agent);
  agent.createConnection = (opts: https.RequestOptions, cb?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined => {
    const socket = create(opts, cb);
    pinSocket(socket as TLSSocket, pin);
    return socket;
  };
  return agent;
}

export class Transport {
  private readonly httpsAgent: https.Agent;
  private readonly httpAgent: http.Agent;
  private readonly timeoutMs: number;

  constructor(options: TransportOptions = {}) {
    this.httpsAgent = httpsAgent(options, { keepAlive: true });
    this.httpAgent = new http.Agent({ keepAlive: true });
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  request(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(req.url);
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') return Promise.reject(new TypeError(`unsupported URL scheme ${url.protocol}`));
    const headers: Record<string, string> = { ...req.headers };
    const body = req.body;
    if ((typeof body === 'string' || body instanceof Uint8Array) && headers['content-length'] === undefined) {
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    return new Promise<HttpResponse>((resolve, reject) => {
      const options: https.RequestOptions = {
        method: req.method,
        headers,
        agent: secure ? this.httpsAgent : this.httpAgent,
        timeout: this.timeoutMs,
        ...(req.signal === undefined ? {} : { signal: req.signal }),
      };
      const clientReq = (secure ? https : http).request(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      clientReq.on('timeout', () => clientReq.destroy(new Error(`no reply from ${url.host} within ${this.timeoutMs} ms`)));
      clientReq.on('error', reject);
      if (body === undefined) clientReq.end();
      else if (typeof body === 'string' || body instanceof Uint8Array) clientReq.end(body);
      else {
        body.on('error', (e) => clientReq.destroy(e));
        body.pipe(clientReq);
      }
    });
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
  }
}
