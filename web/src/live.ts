/**
 * Live updates: one server-sent-events stream (`GET /api/vmgate/events/stream`) for the
 * whole page, read with fetch and a ReadableStream (EventSource cannot send the
 * `X-Vmgate-Web` header the cookie session needs). The server filters it by what the
 * user may see. Pages subscribe to it; it reconnects after a drop.
 */
import { useEffect, useState } from 'react';
import type { EventInfo, TaskInfo, VmSummary } from './api.ts';

export type LiveMessage =
  | { readonly event: 'vm'; readonly data: VmSummary }
  | { readonly event: 'vm-removed'; readonly data: { readonly vm: string } }
  | { readonly event: 'task'; readonly data: TaskInfo & { readonly task: string } }
  | { readonly event: 'event'; readonly data: EventInfo };

type Listener = (m: LiveMessage) => void;
type StateListener = (connected: boolean) => void;

const listeners = new Set<Listener>();
const stateListeners = new Set<StateListener>();
let controller: AbortController | null = null;
let connected = false;

function setConnected(v: boolean): void {
  if (connected === v) return;
  connected = v;
  for (const l of stateListeners) l(v);
}

/**
 * Parses an SSE byte stream into (event, data) pairs (the WHATWG rules that matter here:
 * `event:` and `data:` lines, multi-line data joined by '\n', a blank line ends a message,
 * `:` comments ignored).
 */
export function sseParser(onMessage: (event: string, data: string) => void): (chunk: string) => void {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  return (chunk) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
      if (line === '') {
        if (data.length > 0) onMessage(event || 'message', data.join('\n'));
        event = '';
        data = [];
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
    }
  };
}

async function run(signal: AbortSignal): Promise<void> {
  let delay = 1000;
  while (!signal.aborted) {
    try {
      const res = await fetch('/api/vmgate/events/stream', { credentials: 'same-origin', headers: { 'X-Vmgate-Web': '1', Accept: 'text/event-stream' }, signal });
      if (res.status === 401) {
        window.dispatchEvent(new CustomEvent('vmgate-unauthenticated'));
        return;
      }
      if (!res.ok || !res.body) throw new Error(`events stream: ${res.status}`);
      setConnected(true);
      delay = 1000;
      let ended = false;
      const parse = sseParser((event, data) => {
        if (event === 'session-ended') {
          // Logged out (here or elsewhere), expired or revoked: back to the login page.
          ended = true;
          window.dispatchEvent(new CustomEvent('vmgate-unauthenticated'));
          return;
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(data);
        } catch {
          return;
        }
        const msg = { event, data: parsed } as LiveMessage;
        for (const l of listeners) l(msg);
      });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parse(value);
        if (ended) {
          void reader.cancel();
          setConnected(false);
          return;
        }
      }
    } catch {
      if (signal.aborted) return;
    }
    setConnected(false);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 15_000);
  }
}

/** Opens the stream (after login). */
export function startLive(): void {
  if (controller) return;
  controller = new AbortController();
  void run(controller.signal);
}

/** Closes it (logout). */
export function stopLive(): void {
  controller?.abort();
  controller = null;
  setConnected(false);
}

/** Calls `fn` for every live message while the component is mounted. */
export function useLive(fn: Listener, deps: readonly unknown[]): void {
  useEffect(() => {
    listeners.add(fn);
    return () => {
      listeners.delete(fn);
    };
  }, deps);
}

export function useLiveConnected(): boolean {
  const [v, setV] = useState(connected);
  useEffect(() => {
    stateListeners.add(setV);
    setV(connected);
    return () => {
      stateListeners.delete(setV);
    };
  }, []);
  return v;
}
