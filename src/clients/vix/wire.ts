/** Messages between the caller's thread and the VIX I/O worker (src/clients/vix/io-worker.ts). */
import type { XmlElement, XmlValue } from '../../protocols/vmserverd/index.ts';

export interface ConnectTarget {
  readonly host: string;
  readonly port: number;
  readonly ca?: string;
  readonly fingerprint?: string;
  readonly insecure?: boolean;
  readonly user: string;
  readonly password: string;
  /** Log in as the current OS user with a one-time ticket (user and password unused). */
  readonly local?: boolean;
  readonly timeoutMs: number;
}

export type ToWorker =
  | { readonly t: 'connect'; readonly conn: number; readonly target: ConnectTarget }
  | { readonly t: 'exec'; readonly conn: number; readonly req: number; readonly op: string; readonly input?: XmlValue | string }
  | { readonly t: 'close'; readonly conn: number };

export type FromWorker =
  | { readonly t: 'connected'; readonly conn: number }
  | { readonly t: 'connectFailed'; readonly conn: number; readonly auth: boolean; readonly message: string }
  | { readonly t: 'reply'; readonly conn: number; readonly req: number; readonly ok: true; readonly out: XmlElement | undefined }
  | { readonly t: 'reply'; readonly conn: number; readonly req: number; readonly ok: false; readonly code: string; readonly message: string }
  | { readonly t: 'lost'; readonly conn: number; readonly message: string };
