/**
 * HTTP(S) for the vAPI client, on node:https / node:http. Node's built-in fetch cannot turn
 * off certificate verification for one request, so the client uses these with its own
 * keep-alive agents (`rejectUnauthorized: !insecure`, an optional CA bundle).
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';

export interface TransportOptions {
  /** Skip TLS certificate verification (self-signed servers, tests). */
  readonly insecure?: boolean;
  /** PEM CA bundle to trust instead of the system's. */
  readonly ca?: string | Buffer;
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

export class Transport {
  private readonly httpsAgent: https.Agent;
  private readonly httpAgent: http.Agent;
  private readonly timeoutMs: number;

  constructor(options: TransportOptions = {}) {
    this.httpsAgent = new https.Agent({
      keepAlive: true,
      rejectUnauthorized: options.insecure !== true,
      ...(options.ca === undefined ? {} : { ca: options.ca }),
    });
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
