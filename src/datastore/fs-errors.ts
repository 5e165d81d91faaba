/**
 * Node fs errors → VmgateError, with a message that names the datastore path.
 */
import { VmgateError, internal, toVmgateError } from '../core/errors.ts';
import type { ErrorKind, ErrorReason } from '../core/errors.ts';

const MODULE = 'datastore';

const BY_CODE: Readonly<Record<string, readonly [ErrorKind, ErrorReason | undefined, string]>> = {
  ENOENT: ['not_found', 'file_not_found', 'does not exist'],
  EEXIST: ['already_exists', 'file_exists', 'already exists'],
  ENOTEMPTY: ['not_allowed_in_current_state', undefined, 'is a folder that is not empty'],
  ENOTDIR: ['invalid_argument', 'not_a_directory', 'is not a folder (or a part of it is a file)'],
  EISDIR: ['invalid_argument', 'not_a_file', 'is a folder, not a file'],
  EACCES: ['unauthorized', undefined, 'is not accessible to vmgate (permission denied)'],
  EPERM: ['unauthorized', undefined, 'is not accessible to vmgate (operation not permitted)'],
  EROFS: ['not_allowed_in_current_state', undefined, 'is on a read-only file system'],
  ENOSPC: ['resource_exhausted', undefined, 'cannot be written: the datastore is full'],
  EDQUOT: ['resource_exhausted', undefined, 'cannot be written: disk quota exceeded'],
  EFBIG: ['resource_exhausted', undefined, 'is too large for the file system'],
  EMFILE: ['resource_exhausted', undefined, 'cannot be opened: too many open files'],
  ENAMETOOLONG: ['invalid_argument', undefined, 'has a name that is too long'],
  ELOOP: ['invalid_argument', undefined, 'leads through too many symbolic links'],
  EBUSY: ['resource_busy', undefined, 'is in use'],
  ETXTBSY: ['resource_busy', undefined, 'is in use'],
  EINVAL: ['invalid_argument', undefined, 'cannot be used this way (e.g. a folder moved into itself)'],
};

/** `label` is the datastore path the operation was about, e.g. "[ds1] vm/vm.vmx". */
export function mapFsError(e: unknown, label: string): VmgateError {
  if (e instanceof VmgateError) return e;
  if (e !== null && typeof e === 'object' && (e as { name?: unknown }).name === 'AbortError') {
    return toVmgateError(e, MODULE);
  }
  const code = (e as NodeJS.ErrnoException | null)?.code;
  const known = code === undefined ? undefined : BY_CODE[code];
  if (known === undefined) {
    const msg = e instanceof Error ? e.message : String(e);
    return internal(`${label}: ${msg}`, { module: MODULE, cause: e, details: { code } });
  }
  const [kind, reason, what] = known;
  return new VmgateError(kind, `${label} ${what}`, { module: MODULE, reason, cause: e, details: { code } });
}
