/**
 * The authd door's local login (VIX "connect to the local host as the current user"):
 * `LOCAL <os-user>` from a loopback address makes core issue a one-time ticket for the
 * vmgate user that OS account maps to, written into a new file only that OS account can
 * read; the client reads it and sends `TICKET <contents>`.
 *
 * The mapping: the OS account that runs the server (it owns the data directory, so it is
 * all-powerful already) is `administrator`; when the server runs as root, any other OS
 * account is the vmgate user of the same name (who must exist). A server that is not root
 * cannot hand a file to another account, so it refuses them.
 */
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';

export const LOCAL_ADMIN_USER = 'administrator';
const TICKET_FILE_LIFETIME_MS = 60_000;

export class LocalLoginRefused extends Error {}

/** Whether an address is this machine's loopback. */
export function isLoopback(address: string): boolean {
  return address === '::1' || /^(::ffff:)?127\./.test(address);
}

/** The OS account's uid/gid and the vmgate user it maps to; LocalLoginRefused if none. */
export async function mapOsUser(osUser: string): Promise<{ uid: number; gid: number; vmgateUser: string }> {
  if (!/^[a-z_][a-z0-9_.-]{0,31}\$?$/i.test(osUser)) throw new LocalLoginRefused('not an OS account name');
  const me = userInfo();
  if (osUser === me.username) return { uid: me.uid, gid: me.gid, vmgateUser: LOCAL_ADMIN_USER };
  if (me.uid !== 0) throw new LocalLoginRefused(`the server runs as ${me.username}: it can only give tickets to ${me.username}`);
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f[0] === osUser && f.length >= 4) {
      const uid = Number(f[2]);
      const gid = Number(f[3]);
      if (Number.isInteger(uid) && Number.isInteger(gid)) return { uid, gid, vmgateUser: uid === 0 ? LOCAL_ADMIN_USER : osUser };
    }
  }
  throw new LocalLoginRefused(`no OS account ${osUser}`);
}

/**
 * Writes `ticket` into a new file in `dir` (made 0711: others may pass, not list) with
 * mode 0400, owned by uid/gid; the file is removed after a minute. Returns its path.
 */
export async function writeTicketFile(dir: string, ticket: string, owner: { uid: number; gid: number }): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o711 });
  await chmod(dir, 0o711);
  const path = join(dir, `vix-${randomBytes(16).toString('hex')}`);
  await writeFile(path, ticket, { flag: 'wx', mode: 0o400 });
  const me = userInfo();
  if (owner.uid !== me.uid || owner.gid !== me.gid) await chown(path, owner.uid, owner.gid);
  setTimeout(() => void unlink(path).catch(() => undefined), TICKET_FILE_LIFETIME_MS).unref();
  return path;
}
