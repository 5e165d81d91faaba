/**
 * What `vmgate login` was told about each server, for the later commands: how to trust its
 * certificate (the `--ca` file's contents, or a pinned SHA-256 fingerprint, like SSH's
 * known_hosts) and which server is the default (the last one logged in to).
 *
 * `servers.json` beside `sessions.json` (see {@link configDir}), mode 0600 in a 0700
 * directory, replaced atomically:
 * `{ "default": "<url>", "servers": { "<url>": { ca?, caFile?, fingerprint256?, trustedAt } } }`.
 * Trust outlives a logout (as known_hosts does); a login with other `--ca` /
 * `--fingerprint` replaces it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configDir, serverKey, writePrivateJson } from './session-store.ts';

export interface ServerTrust {
  /** PEM of the CA (or self-signed certificate) given to `login --ca`. */
  readonly ca?: string;
  /** The file it was read from (for messages only: the contents are what is trusted). */
  readonly caFile?: string;
  /** A pinned certificate: exactly this one is accepted. */
  readonly fingerprint256?: string;
  /** ISO time it was stored. */
  readonly trustedAt: string;
}

interface KnownServersFile {
  default?: string;
  servers: Record<string, ServerTrust>;
}

export class KnownServers {
  readonly path: string;

  constructor(readonly dir: string = configDir()) {
    this.path = join(dir, 'servers.json');
  }

  /** The stored trust of the server, if any. */
  async trust(server: string): Promise<ServerTrust | undefined> {
    const all = await this.read();
    const key = serverKey(server);
    return Object.hasOwn(all.servers, key) ? all.servers[key] : undefined;
  }

  /** The server of the last login, if any. */
  async defaultServer(): Promise<string | undefined> {
    return (await this.read()).default;
  }

  /** Records a successful login: the server becomes the default; its trust is replaced when given. */
  async remember(server: string, trust: ServerTrust | undefined): Promise<void> {
    const all = await this.read();
    all.default = server;
    if (trust) all.servers[serverKey(server)] = trust;
    await writePrivateJson(this.dir, this.path, all);
  }

  private async read(): Promise<KnownServersFile> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { servers: {} };
      throw e;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // A damaged file trusts nothing; the next login rewrites it.
      return { servers: {} };
    }
    const out: KnownServersFile = { servers: {} };
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return out;
    const p = parsed as { default?: unknown; servers?: unknown };
    if (typeof p.default === 'string') out.default = p.default;
    if (p.servers && typeof p.servers === 'object' && !Array.isArray(p.servers)) {
      for (const [k, v] of Object.entries(p.servers as Record<string, unknown>)) {
        const t = v as Partial<ServerTrust> | null;
        if (!t || typeof t !== 'object') continue;
        const ca = typeof t.ca === 'string' ? t.ca : undefined;
        const fp = typeof t.fingerprint256 === 'string' ? t.fingerprint256 : undefined;
        if (ca === undefined && fp === undefined) continue;
        out.servers[k] = {
          ...(ca === undefined ? {} : { ca }),
          ...(typeof t.caFile === 'string' ? { caFile: t.caFile } : {}),
          ...(fp === undefined ? {} : { fingerprint256: fp }),
          trustedAt: typeof t.trustedAt === 'string' ? t.trustedAt : '',
        };
      }
    }
    return out;
  }
}
