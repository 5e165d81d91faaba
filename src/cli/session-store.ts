/**
 * Where `vmgate login` keeps its sessions: `sessions.json` in `$VMGATE_CONFIG_DIR`, else
 * `$XDG_CONFIG_HOME/vmgate`, else `~/.config/vmgate`. One entry per server URL; the file is
 * mode 0600 in a 0700 directory and is replaced atomically (write, rename).
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface StoredSession {
  readonly server: string;
  readonly token: string;
  readonly user: string;
  /** ISO time of the login. */
  readonly createdAt: string;
}

type SessionFile = Record<string, StoredSession>;

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VMGATE_CONFIG_DIR) return env.VMGATE_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'vmgate');
}

/** The key of a server: its URL without trailing slashes, scheme and host in lower case. */
export function serverKey(server: string): string {
  try {
    const u = new URL(server);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return server.replace(/\/+$/, '');
  }
}

export class SessionStore {
  readonly path: string;

  constructor(readonly dir: string = configDir()) {
    this.path = join(dir, 'sessions.json');
  }

  async get(server: string): Promise<StoredSession | undefined> {
    const all = await this.read();
    const key = serverKey(server);
    return Object.hasOwn(all, key) ? all[key] : undefined;
  }

  async put(session: StoredSession): Promise<void> {
    const all = await this.read();
    all[serverKey(session.server)] = session;
    await this.write(all);
  }

  /** Removes the server's entry; whether there was one. */
  async delete(server: string): Promise<boolean> {
    const all = await this.read();
    const key = serverKey(server);
    if (!Object.hasOwn(all, key)) return false;
    delete all[key];
    await this.write(all);
    return true;
  }

  private async read(): Promise<SessionFile> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw e;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
      const out: SessionFile = {};
      for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
        const s = v as Partial<StoredSession> | null;
        if (s && typeof s.token === 'string' && typeof s.server === 'string' && typeof s.user === 'string') {
          out[k] = { server: s.server, token: s.token, user: s.user, createdAt: typeof s.createdAt === 'string' ? s.createdAt : '' };
        }
      }
      return out;
    } catch {
      // A damaged file holds no usable session; the next login rewrites it.
      return {};
    }
  }

  private async write(all: SessionFile): Promise<void> {
    await writePrivateJson(this.dir, this.path, all);
  }
}

/** Writes `value` as JSON to `path` (mode 0600, in `dir`, made 0700), atomically: write, rename. */
export async function writePrivateJson(dir: string, path: string, value: unknown): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(tmp, 0o600); // whatever the umask
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
