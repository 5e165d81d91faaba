/**
 * Guest operations of the QEMU driver, through the guest agent.
 *
 * The user model: qemu-ga runs as root and `guest-exec` has no user parameter, so the
 * driver checks the password itself (AUTH_SCRIPT compares crypt(password, salt) with
 * /etc/shadow inside the guest) and runs everything a user asks for through `su` as that
 * user: programs, stat/ls/mkdir/rm/mv/mktemp, kill. File contents move with
 * guest-file-open/read/write (as root) after a permission check run as the user, which
 * also creates new files so that they belong to the user. A verified login is remembered
 * for 5 minutes per user and password; a permission check for 30 s per file.
 *
 * This file is the table; the parts: what they share (qemu-guest-runner.ts), programs
 * (qemu-guest-processes.ts), the file system (qemu-guest-files.ts), file contents
 * (qemu-guest-transfers.ts).
 */
import type { GuestOps } from '../../core/ports/driver.ts';
import * as files from './qemu-guest-files.ts';
import * as processes from './qemu-guest-processes.ts';
import { QemuGuestRunner } from './qemu-guest-runner.ts';
import type { QemuGuestHost, QemuGuestOpsOptions } from './qemu-guest-runner.ts';
import * as transfers from './qemu-guest-transfers.ts';

export type { QemuGuestHost, QemuGuestOpsOptions } from './qemu-guest-runner.ts';

export function createQemuGuestOps(host: QemuGuestHost, opts: QemuGuestOpsOptions = {}): GuestOps {
  const g = new QemuGuestRunner(host, opts);
  return {
    async authenticate(vm, creds) {
      await g.authenticate(vm, creds);
    },
    startProgram: (vm, creds, spec) => processes.startProgram(g, vm, creds, spec),
    waitProgram: (vm, creds, pid, ctx) => processes.waitProgram(g, vm, creds, pid, ctx),
    listProcesses: (vm, creds, pids) => processes.listProcesses(g, vm, creds, pids),
    killProcess: (vm, creds, pid) => processes.killProcess(g, vm, creds, pid),
    environment: (vm, creds) => processes.environment(g, vm, creds),
    stat: (vm, creds, path) => files.stat(g, vm, creds, path),
    listDirectory: (vm, creds, path) => files.listDirectory(g, vm, creds, path),
    makeDirectory: (vm, creds, path, parents) => files.makeDirectory(g, vm, creds, path, parents),
    removeDirectory: (vm, creds, path, recursive) => files.removeDirectory(g, vm, creds, path, recursive),
    removeFile: (vm, creds, path) => files.removeFile(g, vm, creds, path),
    move: (vm, creds, from, to, overwrite) => files.move(g, vm, creds, from, to, overwrite),
    createTempFile: (vm, creds, o) => files.createTempFile(g, vm, creds, o),
    readFile: (vm, creds, path, offset, length) => transfers.readFile(g, vm, creds, path, offset, length),
    writeFile: (vm, creds, path, data, o) => transfers.writeFile(g, vm, creds, path, data, o),
  };
}
