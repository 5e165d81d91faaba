/**
 * A server-sent-events client over real HTTPS for face tests: it reads the stream as a
 * browser's EventSource would (`event:` / `data:` lines, blank line ends a message,
 * `:` comments), keeps every message, and lets a test wait for one that matches.
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface SseMessage {
  readonly event: string;
  readonly data: unknown;
}

export interface SseStream {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  /** The body when the answer is not a stream (an error). */
  readonly body: string;
  readonly messages: SseMessage[];
  readonly comments: string[];
  /** Resolves with the first message (already received or to come) that matches; rejects when the stream ends or after `deadlineMs` without one. */
  next(match: (m: SseMessage) => boolean, deadlineMs?: number): Promise<SseMessage>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  readonly response: IncomingMessage | null;
  readonly request: ClientRequest;
  close(): void;
}

export function openSse(port: number, ca: string, path: string, headers: Record<string, string>): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, method: 'GET', path, ca, servername: 'localhost', headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      const messages: SseMessage[] = [];
      const comments: string[] = [];
      const waiters = new Set<{ match: (m: SseMessage) => boolean; resolve: (m: SseMessage) => void }>();
      let buffer = '';
      let body = '';
      let endedResolve!: () => void;
      const ended = new Promise<void>((r) => (endedResolve = r));
      const isStream = String(res.headers['content-type'] ?? '').startsWith('text/event-stream');
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (!isStream) {
          body += chunk;
          return;
        }
        buffer += chunk;
        let i;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('event: ')) event = line.slice('event: '.length);
            else if (line.startsWith('data: ')) data.push(line.slice('data: '.length));
          }
          if (data.length === 0) continue;
          const m: SseMessage = { event, data: JSON.parse(data.join('\n')) as unknown };
          messages.push(m);
          for (const w of [...waiters]) {
            if (w.match(m)) {
              waiters.delete(w);
              w.resolve(m);
            }
          }
        }
      });
      const done = () => endedResolve();
      res.on('end', done);
      res.on('close', done);
      res.on('error', done);
      const stream: SseStream = {
        status: res.statusCode!,
        headers: res.headers,
        get body() {
          return body;
        },
        messages,
        comments,
        ended,
        response: res,
        request: req,
        next(match, deadlineMs = 60_000) {
          const found = messages.find(match);
          if (found) return Promise.resolve(found);
          return new Promise((res2, rej2) => {
            const w = { match, resolve: (m: SseMessage) => (clearTimeout(t), res2(m)) };
            const t = setTimeout(() => {
              waiters.delete(w);
              rej2(new Error(`no matching message within ${deadlineMs} ms; got ${JSON.stringify(messages.map((m) => m.event))}`));
            }, deadlineMs);
            waiters.add(w);
            void ended.then(() => {
              if (!waiters.has(w)) return;
              waiters.delete(w);
              clearTimeout(t);
              rej2(new Error(`the stream ended without a matching message; got ${JSON.stringify(messages)}`));
            });
          });
        },
        close() {
          req.destroy();
        },
      };
      if (!isStream) {
        res.on('end', () => resolve(stream));
        return;
      }
      // Resolve once the server's first comment shows the subscription is in place.
      const first = () => {
        if (comments.length > 0 || messages.length > 0) {
          res.off('data', first);
          resolve(stream);
        }
      };
      res.on('data', first);
    });
    req.on('error', reject);
    req.end();
  });
}
