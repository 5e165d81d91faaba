import type { Caller, CoreApi } from '../../../core/index.ts';
import { invalidArgument, unsupported } from '../../../core/errors.ts';
import { implement } from '../call.ts';
import type { VmGuestFilesystemFilesFileAttributesUpdateSpec, VmGuestFilesystemFilesInfo, VmGuestFilesystemFilesSummary, VmGuestFilesystemFilesType } from '../../../protocols/vapi/types/index.ts';
import { VmGuestFilesystemFilesService } from '../../../protocols/vapi/types/index.ts';
import type { GuestLogin } from './guest-credentials.ts';
import { guestLogin } from './guest-credentials.ts';

export type GuestFile = Awaited<ReturnType<CoreApi['guest']['stat']>>;

const FILE_TYPE: Readonly<Record<GuestFile['type'], VmGuestFilesystemFilesType>> = { file: 'FILE', directory: 'DIRECTORY', symlink: 'SYMLINK' };

/** vSphere answers 50 files per page unless asked otherwise. */
const DEFAULT_PAGE = 50;
const MAX_PATTERN = 1000;
const PASSWD_BYTES = 1024 * 1024;

function summary(f: GuestFile): VmGuestFilesystemFilesSummary {
  return { filename: f.name, type: FILE_TYPE[f.type], size: f.size };
}

/**
 * files.get's info. Both drivers run POSIX guests, so the family is POSIX. Core reports
 * the owner by name and no access time or group: the owner's uid and primary gid come from
 * the guest's /etc/passwd (left out when it does not name the owner), last_accessed
 * repeats last_modified.
 */
function fileInfo(f: GuestFile, ids: { uid: number; gid: number } | undefined): VmGuestFilesystemFilesInfo {
  return {
    type: FILE_TYPE[f.type],
    size: f.size,
    attributes: {
      last_modified: f.modifiedAt,
      last_accessed: f.modifiedAt,
      filesystem_family: 'POSIX',
      ...(ids ? { posix_attributes: { owner: ids.uid, group: ids.gid, permissions: (f.mode & 0o7777).toString(8).padStart(3, '0') } } : {}),
    },
  };
}

/** uid and primary gid of a guest account, from the guest's /etc/passwd (a numeric owner stands for itself). */
async function accountIds(core: CoreApi, caller: Caller, vm: string, login: GuestLogin, owner: string): Promise<{ uid: number; gid: number } | undefined> {
  let passwd: string;
  try {
    passwd = (await core.guest.readFile(caller, vm, login, '/etc/passwd', 0, PASSWD_BYTES)).toString('utf8');
  } catch {
    passwd = '';
  }
  for (const line of passwd.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === owner && /^\d+$/.test(uid ?? '') && /^\d+$/.test(gid ?? '')) return { uid: Number(uid), gid: Number(gid) };
  }
  return /^\d+$/.test(owner) ? { uid: Number(owner), gid: Number(owner) } : undefined;
}

/** vSphere's match_pattern is a Perl regular expression searched in each file name. */
function namePattern(pattern: string): RegExp {
  if (pattern.length > MAX_PATTERN) throw invalidArgument(`match_pattern is ${pattern.length} characters long; at most ${MAX_PATTERN} are accepted`, { module: 'face.vapi' });
  try {
    return new RegExp(pattern);
  } catch (e) {
    throw invalidArgument(`match_pattern '${pattern}' is not a valid regular expression: ${(e as Error).message}`, { module: 'face.vapi' });
  }
}

function pageBound(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) throw invalidArgument(`iteration.${name} must be 0 or more, not ${value}`, { module: 'face.vapi' });
  return value;
}

/** The attributes of an update spec that are set, by their wire names. */
function attributesSet(spec: VmGuestFilesystemFilesFileAttributesUpdateSpec): string[] {
  const out: string[] = [];
  if (spec.last_modified !== undefined) out.push('last_modified');
  if (spec.last_accessed !== undefined) out.push('last_accessed');
  for (const [k, v] of Object.entries(spec.windows ?? {})) if (v !== undefined) out.push(`windows.${k}`);
  for (const [k, v] of Object.entries(spec.posix ?? {})) if (v !== undefined) out.push(`posix.${k}`);
  return out;
}

/**
 * com.vmware.vcenter.vm.guest.filesystem.files: list, inspect, move and delete guest files
 * as the guest user of the credentials.
 */
export const guestFilesHandlers = implement(VmGuestFilesystemFilesService, {
  async list(call, { vm, credentials, path, iteration, filter }) {
    const login = guestLogin(credentials);
    const index = pageBound('index', iteration?.index, 0);
    const size = pageBound('size', iteration?.size, DEFAULT_PAGE);
    const re = filter?.match_pattern !== undefined ? namePattern(filter.match_pattern) : undefined;
    const at = await call.core.guest.stat(call.caller, vm, login, path);
    let files = at.type === 'directory' ? await call.core.guest.listDirectory(call.caller, vm, login, path) : [at];
    if (re) files = files.filter((f) => re.test(f.name));
    const page = files.slice(index, index + size);
    return {
      files: page.map(summary),
      total: files.length,
      ...(page.length > 0 ? { start_index: index, end_index: index + page.length - 1 } : {}),
      status: index + page.length >= files.length ? ('END_OF_DATA' as const) : ('READY' as const),
    };
  },
  async get(call, { vm, credentials, path }) {
    const login = guestLogin(credentials);
    const f = await call.core.guest.stat(call.caller, vm, login, path);
    return fileInfo(f, await accountIds(call.core, call.caller, vm, login, f.owner));
  },
  async delete(call, { vm, credentials, path }) {
    await call.core.guest.removeFile(call.caller, vm, guestLogin(credentials), path);
    return undefined;
  },
  async move(call, { vm, credentials, path, new_path, overwrite }) {
    const login = guestLogin(credentials);
    const f = await call.core.guest.stat(call.caller, vm, login, path);
    if (f.type === 'directory') throw invalidArgument(`'${path}' is a directory: move it with com.vmware.vcenter.vm.guest.filesystem.directories.move`, { module: 'face.vapi', reason: 'not_a_file' });
    await call.core.guest.move(call.caller, vm, login, path, new_path, overwrite ?? false);
    return undefined;
  },
  async update(call, { vm, credentials, path, file_attributes }) {
    await call.core.guest.stat(call.caller, vm, guestLogin(credentials), path);
    const set = attributesSet(file_attributes);
    if (set.length > 0) throw unsupported(`vmgate cannot change file attributes in a guest yet (asked to set ${set.join(', ')} of '${path}')`, { module: 'face.vapi' });
    return undefined;
  },
  async create_temporary(call, { vm, credentials, prefix, suffix, parent_path }) {
    return call.core.guest.createTempFile(call.caller, vm, guestLogin(credentials), { prefix, suffix, ...(parent_path !== undefined ? { directory: parent_path } : {}) });
  },
});
