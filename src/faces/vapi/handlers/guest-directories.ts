import { invalidArgument } from '../../../core/errors.ts';
import { implement } from '../call.ts';
import { VmGuestFilesystemDirectoriesService } from '../../../protocols/vapi/types/index.ts';
import { guestLogin } from './guest-credentials.ts';

/**
 * com.vmware.vcenter.vm.guest.filesystem.directories: create, move and delete guest
 * directories as the guest user of the credentials.
 */
export const guestDirectoriesHandlers = implement(VmGuestFilesystemDirectoriesService, {
  async create(call, { vm, credentials, path, create_parents }) {
    await call.core.guest.makeDirectory(call.caller, vm, guestLogin(credentials), path, create_parents ?? false);
    return undefined;
  },
  async delete(call, { vm, credentials, path, recursive }) {
    await call.core.guest.removeDirectory(call.caller, vm, guestLogin(credentials), path, recursive ?? false);
    return undefined;
  },
  async move(call, { vm, credentials, path, new_path }) {
    const login = guestLogin(credentials);
    const d = await call.core.guest.stat(call.caller, vm, login, path);
    if (d.type !== 'directory') throw invalidArgument(`'${path}' is not a directory: move files with com.vmware.vcenter.vm.guest.filesystem.files.move`, { module: 'face.vapi', reason: 'not_a_directory' });
    await call.core.guest.move(call.caller, vm, login, path, new_path, false);
    return undefined;
  },
  async create_temporary(call, { vm, credentials, prefix, suffix, parent_path }) {
    return call.core.guest.createTempFile(call.caller, vm, guestLogin(credentials), { prefix, suffix, directoryOnly: true, ...(parent_path !== undefined ? { directory: parent_path } : {}) });
  },
});
