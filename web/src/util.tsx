import { useCallback, useEffect, useRef, useState } from 'react';
import { Alert, Label } from '@patternfly/react-core';
import { ApiError } from './api.ts';

/** Loads something once (and again on `reload()`); the error is the API's message. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): { data: T | null; error: string | null; loading: boolean; reload: () => void; setData: (f: (d: T | null) => T | null) => void } {
  const [data, setDataState] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const ac = new AbortController();
    setLoading(true);
    loadRef.current(ac.signal).then(
      (d) => {
        if (ac.signal.aborted) return;
        setDataState(d);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (ac.signal.aborted) return;
        setError(messageOf(e));
        setLoading(false);
      },
    );
    return () => ac.abort();
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const setData = useCallback((f: (d: T | null) => T | null) => setDataState(f), []);
  return { data, error, loading, reload, setData };
}

export function messageOf(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

export function ErrorAlert({ error, title }: { error: string | null; title?: string }) {
  if (!error) return null;
  return <Alert variant="danger" isInline title={title ?? error} role="alert">{title ? error : null}</Alert>;
}

const POWER_LABEL: Record<string, { text: string; color: 'green' | 'grey' | 'orange' | 'blue' }> = {
  POWERED_ON: { text: 'Powered on', color: 'green' },
  POWERED_OFF: { text: 'Powered off', color: 'grey' },
  SUSPENDED: { text: 'Suspended', color: 'orange' },
};

export function PowerLabel({ state }: { state: string | undefined }) {
  const p = POWER_LABEL[state ?? ''] ?? { text: state ?? 'unknown', color: 'blue' as const };
  return (
    <Label color={p.color} data-power={state} isCompact>
      {p.text}
    </Label>
  );
}

export function ToolsLabel({ state }: { state: string | undefined }) {
  if (!state) return null;
  const text = state === 'RUNNING' ? 'Tools running' : state === 'NOT_RUNNING' ? 'Tools not running' : `Tools ${state.toLowerCase().replace(/_/g, ' ')}`;
  return (
    <Label color={state === 'RUNNING' ? 'teal' : 'grey'} variant="outline" isCompact>
      {text}
    </Label>
  );
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

export function formatMiB(mib: number | undefined): string {
  return mib === undefined ? '—' : mib >= 1024 ? `${(mib / 1024).toFixed(mib % 1024 === 0 ? 0 : 1)} GiB` : `${mib} MiB`;
}

export function formatTime(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}
