import { posix } from 'node:path';
import { alreadyExists, invalidArgument, isVmgateError, notFound, unsupported } from '../../../core/errors.ts';
import { implement } from '../call.ts';
import type { VapiCall } from '../call.ts';
import type { VmGuestFilesystemTransfersFileCreationAttributes } from '../../../protocols/vapi/types/index.ts';
import { VmGuestFilesystemTransfersService } from '../../../protocols/vapi/types/index.ts';
import type { GuestLogin } from './guest-credentials.ts';
import { guestLogin } from './guest-credentials.ts';
import { guestTransferTokens } from './guest-transfer-tokens.ts';

/** Largest upload a URL may be made for (1 TiB: far beyond any guest disk vmgate runs). */
const MAX_UPLOAD = 2 ** 40;

/** File attributes vmgate cannot set when it creates the file (core has no such operation). */
function unsupportedAttributes(a: VmGuestFilesystemTransfersFileCreationAttributes): string[] {
  const out: string[] = [];
  if (a.last_modified !== undefined) out.push('last_modified');
  if (a.last_accessed !== undefined) out.push('last_accessed');
  // Windows flags set to false ask for the default: fine.
  for (const [k, v] of Object.entries(a.windows ?? {})) if (v === true) out.push(`windows.${k}`);
  for (const [k, v] of Object.entries(a.posix ?? {})) if (v !== undefined) out.push(`posix.${k}`);
  return out;
}

async function checkDownload(call: VapiCall, vm: string, login: GuestLogin, path: string): Promise<number> {
  const f = await call.core.guest.stat(call.caller, vm, login, path);
  if (f.type !== 'file') throw invalidArgument(`'${path}' is a ${f.type}: only files can be transferred`, { module: 'face.vapi', reason: 'not_a_file' });
  return f.size;
}

async function checkUpload(call: VapiCall, vm: string, login: GuestLogin, path: string, a: VmGuestFilesystemTransfersFileCreationAttributes): Promise<void> {
  if (!Number.isSafeInteger(a.size) || a.size < 0 || a.size > MAX_UPLOAD) throw invalidArgument(`attributes.size must be between 0 and ${MAX_UPLOAD} bytes, not ${a.size}`, { module: 'face.vapi' });
  const extra = unsupportedAttributes(a);
  if (extra.length > 0) throw unsupported(`vmgate cannot set file attributes when it uploads a file yet (asked to set ${extra.join(', ')} of '${path}'): leave them unset`, { module: 'face.vapi' });
  try {
    const f = await call.core.guest.stat(call.caller, vm, login, path);
    if (f.type !== 'file') throw invalidArgument(`'${path}' is a ${f.type}: a file cannot be uploaded over it`, { module: 'face.vapi', reason: 'not_a_file' });
    if (!a.overwrite) throw alreadyExists(`'${path}' already exists in the guest of ${vm}: set attributes.overwrite to replace it`, { module: 'face.vapi', reason: 'file_exists' });
    return;
  } catch (e) {
    if (!isVmgateError(e) || e.reason !== 'file_not_found') throw e;
  }
  const dir = posix.dirname(path);
  const d = await call.core.guest.stat(call.caller, vm, login, dir);
  if (d.type !== 'directory') throw notFound(`'${dir}' is not a directory in the guest of ${vm}: '${path}' cannot be created`, { module: 'face.vapi', reason: 'file_not_found' });
}

/**
 * com.vmware.vcenter.vm.guest.filesystem (transfers): create answers a one-shot URL,
 * `<base>/guestFile/<token>`. Without `attributes` it is a download (GET it); with them
 * an upload of exactly `attributes.size` bytes (PUT them). The checks a transfer would
 * fail on (credentials, tools, path, existing file) run here, before any URL exists.
 */
export const guestTransfersHandlers = implement(VmGuestFilesystemTransfersService, {
  async create(call, { vm, credentials, spec }) {
    const login = guestLogin(credentials);
    const a = spec.attributes;
    const size = a ? (await checkUpload(call, vm, login, spec.path, a), a.size) : await checkDownload(call, vm, login, spec.path);
    const target = await call.core.vms.get(call.caller, vm);
    const token = guestTransferTokens(call.core).issue({
      direction: a ? 'upload' : 'download',
      caller: call.caller,
      vmId: target.id,
      login,
      path: spec.path,
      size,
      overwrite: a?.overwrite ?? false,
    });
    return `${call.baseUrl}/guestFile/${token}`;
  },
});
