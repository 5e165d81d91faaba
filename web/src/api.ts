/**
 * The dashboard's one way to the server: the vAPI face's REST API with the browser
 * session's HttpOnly cookie. Every request carries `X-Vmgate-Web: 1`: the server honours
 * the cookie only on requests with that header, which a page of another origin cannot
 * send without a CORS preflight that vmgate never grants (docs/web.md, "CSRF").
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errorType: string | null,
  ) {
    super(message);
  }
}

const WEB_HEADER = { 'X-Vmgate-Web': '1' } as const;

/** The API's own message of a failed reply: vAPI's `messages[0].default_message`, else the status. */
async function errorOf(res: Response): Promise<ApiError> {
  let text = '';
  try {
    text = await res.text();
  } catch {
    /* the status says it */
  }
  try {
    const body = JSON.parse(text) as { error_type?: string; messages?: { default_message?: string }[]; message?: string };
    const msg = body.messages?.map((m) => m.default_message).filter(Boolean).join('; ') || body.message;
    if (msg) return new ApiError(res.status, msg, body.error_type ?? null);
  } catch {
    /* not JSON */
  }
  return new ApiError(res.status, text.trim() || `${res.status} ${res.statusText}`, null);
}

/** A REST call; the parsed JSON reply (null for 204). Errors throw {@link ApiError} with the API's message. */
export async function api<T = unknown>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? WEB_HEADER : { ...WEB_HEADER, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, `vmgate cannot be reached (${(e as Error).message})`, null);
  }
  if (res.status === 401) window.dispatchEvent(new CustomEvent('vmgate-unauthenticated'));
  if (!res.ok) throw await errorOf(res);
  if (res.status === 204) return null as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : null) as T;
}

export const get = <T>(path: string, signal?: AbortSignal): Promise<T> => api<T>('GET', path, undefined, signal);
export const post = <T>(path: string, body?: unknown): Promise<T> => api<T>('POST', path, body);
export const patch = <T>(path: string, body: unknown): Promise<T> => api<T>('PATCH', path, body);
export const del = <T>(path: string): Promise<T> => api<T>('DELETE', path);

/** Logs in: Basic credentials once, the server answers with the session cookie (HttpOnly: this page never sees it). */
export async function login(user: string, password: string): Promise<void> {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  let res: Response;
  try {
    res = await fetch('/api/session', { method: 'POST', credentials: 'same-origin', headers: { ...WEB_HEADER, Authorization: `Basic ${btoa(bin)}` } });
  } catch (e) {
    throw new ApiError(0, `vmgate cannot be reached (${(e as Error).message})`, null);
  }
  if (!res.ok) throw await errorOf(res);
}

export async function logout(): Promise<void> {
  try {
    await api('DELETE', '/api/session');
  } catch {
    /* the session is gone either way */
  }
}

export interface WebSession {
  readonly user: string;
  readonly administrator: boolean;
  readonly privileges: readonly string[];
}

export const enc = encodeURIComponent;

// --- shapes of the replies the pages read (docs/faces/vapi.md) ---

export type PowerState = 'POWERED_ON' | 'POWERED_OFF' | 'SUSPENDED';
export interface VmSummary {
  vm: string;
  name: string;
  power_state: PowerState;
  cpu_count?: number;
  memory_size_MiB?: number;
  tools_run_state?: string;
}
export interface Datacenter {
  datacenter: string;
  name: string;
}
export interface Cluster {
  cluster: string;
  name: string;
}
export interface HostSummary {
  host: string;
  name: string;
  connection_state: string;
  power_state?: string;
}
export interface HostInfo {
  host: string;
  name: string;
  driver: string;
  cpu_count: number;
  memory_mib: number;
  used_cpu: number;
  used_memory_mib: number;
  vm_count: number;
  datastores: string[];
  accelerator?: string;
}
export interface DatastoreInfo {
  datastore: string;
  name: string;
  path: string;
  datacenter: string;
  capacity?: number;
  free_space?: number;
  vm_count: number;
}
export interface Message {
  id: string;
  default_message: string;
}
export interface TaskInfo {
  task?: string;
  progress?: { total: number; completed: number; message: Message };
  description?: Message;
  service: string;
  operation: string;
  target?: { type: string; id: string };
  status: 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  cancelable?: boolean;
  error?: { error_type: string; messages: Message[] };
  start_time?: string;
  end_time?: string;
  user?: string;
  result?: string;
}
export interface EventInfo {
  id: number;
  time: string;
  object: string;
  type: string;
  severity: 'INFO' | 'WARNING' | 'ERROR';
  message: string;
  user?: string;
  task?: string;
}
export interface Snapshot {
  snapshot: string;
  name: string;
  description: string;
  parent?: string;
  children: string[];
  include_memory: boolean;
  power_state: string;
  created: string;
  current: boolean;
}
export interface StatsSample {
  time: string;
  cpu_percent: number;
  memory_used_MiB: number;
  memory_size_MiB?: number;
  memory_total_MiB?: number;
}
export interface Stats {
  interval_seconds: number;
  samples: StatsSample[];
}
export interface Desktop {
  pool: string;
  name: string;
  kind: 'DESKTOP' | 'APPLICATION';
  /** An application pool's application (its id). */
  application?: string;
  vm?: string;
  power_state?: string;
}
