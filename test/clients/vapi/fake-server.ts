/**
 * A tiny local HTTP(S) server for the client's unit tests: it records each request and
 * answers with whatever the test's `reply` function returns (fixed, protocol-shaped
 * responses). It only checks request shapes; end-to-end tests run against vmgate itself.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** The body parsed as JSON, when it is JSON. */
  readonly json: unknown;
}

export interface Reply {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  /** Sent as JSON (`application/json`). */
  readonly json?: unknown;
  /** Sent as is. */
  readonly raw?: string | Buffer;
}

export type Responder = (req: Recorded, index: number) => Reply;

export class FakeServer {
  readonly requests: Recorded[] = [];
  reply: Responder = () => ({ status: 404 });
  private server: http.Server | https.Server | undefined;

  /** Starts on 127.0.0.1 (an ephemeral port); returns the base URL. */
  async start(tls?: { key: string; cert: string }): Promise<string> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = body === '' ? undefined : JSON.parse(body);
        } catch {
          json = undefined;
        }
        const rec: Recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, json };
        this.requests.push(rec);
        let r: Reply;
        try {
          r = this.reply(rec, this.requests.length - 1);
        } catch (e) {
          r = { status: 500, raw: String(e) };
        }
        const out = r.json !== undefined ? JSON.stringify(r.json) : (r.raw ?? '');
        const headers: Record<string, string> = { ...(r.headers ?? {}) };
        if (r.json !== undefined) headers['content-type'] ??= 'application/json';
        res.writeHead(r.status ?? 200, headers);
        res.end(out);
      });
    };
    this.server = tls === undefined ? http.createServer(handler) : https.createServer(tls, handler);
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const port = (this.server.address() as AddressInfo).port;
    return `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (s === undefined) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

/** A JSON-RPC success reply carrying `output` (specialized JSON) for the request's id. */
export function rpcOutput(req: Recorded, output: unknown): Reply {
  const id = (req.json as { id?: unknown } | undefined)?.id ?? null;
  return { json: { jsonrpc: '2.0', id, result: { output } } };
}

/** A JSON-RPC reply with a std error in `result.error`. */
export function rpcStdError(req: Recorded, kind: string, text: string, extra: Record<string, unknown> = {}): Reply {
  const id = (req.json as { id?: unknown } | undefined)?.id ?? null;
  return {
    headers: { 'vapi-error': `com.vmware.vapi.std.errors.${kind}` },
    json: {
      jsonrpc: '2.0',
      id,
      result: {
        error: {
          ERROR: {
            [`com.vmware.vapi.std.errors.${kind}`]: {
              messages: [
                {
                  STRUCTURE: {
                    'com.vmware.vapi.std.localizable_message': {
                      id: `test.${kind}`,
                      default_message: text,
                      args: [],
                      params: { OPTIONAL: null },
                      localized: { OPTIONAL: null },
                    },
                  },
                },
              ],
              data: { OPTIONAL: null },
              error_type: { OPTIONAL: kind.toUpperCase() },
              ...extra,
            },
          },
        },
      },
    },
  };
}
