/**
 * File contents in and out of a QEMU guest: guest-file-open/read/write as root, in chunks,
 * after a permission check run as the user (which also creates new files, so that they
 * belong to the user).
 */
import type { DriverVm, GuestCredentials } from '../../core/ports/driver.ts';
import { agentErrorDesc } from './guest-agent-client.ts';
import { qemuError } from './qemu-error.ts';
import { fileError } from './qemu-guest-runner.ts';
import type { QemuGuestRunner } from './qemu-guest-runner.ts';

/** Reads `length` bytes from `offset` (fewer at the end of the file). */
export async function readFile(g: QemuGuestRunner, vm: DriverVm, creds: GuestCredentials, path: string, offset: number, length: number): Promise<Buffer> {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw qemuError('invalid_argument', `offset ${offset} / length ${length} are not valid for '${path}'`);
  }
  const { agent, state } = await g.authenticate(vm, creds);
  if (creds.username !== 'root') await g.checkAccess(vm, creds, state, path, 'r', true);
  const handle = await g.guard(vm, () => agent.fileOpen(path, 'r')).catch((e: unknown) => {
    throw fileError(vm, creds, path, 'read', e);
  });
  const parts: Buffer[] = [];
  let got = 0;
  try {
    if (offset > 0) await agent.fileSeek(handle, offset, 'set');
    while (got < length) {
      const c = await agent.fileRead(handle, Math.min(g.chunk, length - got), { timeoutMs: 60_000 });
      parts.push(c.data);
      got += c.data.length;
      if (c.eof || c.data.length === 0) break;
    }
  } catch (e) {
    throw fileError(vm, creds, path, 'read', e);
  } finally {
    await agent.fileClose(handle).catch(() => undefined);
  }
  return Buffer.concat(parts, got);
}

/** Writes at `offset` (0 truncates first when `truncate`); creates the file. */
export async function writeFile(
  g: QemuGuestRunner,
  vm: DriverVm,
  creds: GuestCredentials,
  path: string,
  data: Buffer,
  o: { offset: number; truncate: boolean; overwrite: boolean },
): Promise<void> {
  if (!Number.isSafeInteger(o.offset) || o.offset < 0) throw qemuError('invalid_argument', `offset ${o.offset} is not valid for '${path}'`);
  const { agent, state } = await g.authenticate(vm, creds);
  const overwrite = o.overwrite || o.offset > 0;
  if (creds.username !== 'root' || !overwrite) await g.checkAccess(vm, creds, state, path, 'w', overwrite);
  const open = (mode: string): Promise<number> => g.guard(vm, () => agent.fileOpen(path, mode));
  let handle: number;
  try {
    handle = o.truncate ? await open('w') : await open('r+').catch((e: unknown) => (/No such file/i.test(agentErrorDesc(e) ?? '') ? open('w') : Promise.reject(e)));
  } catch (e) {
    throw fileError(vm, creds, path, 'write', e);
  }
  try {
    if (o.offset > 0) await agent.fileSeek(handle, o.offset, 'set');
    for (let at = 0; at < data.length; ) {
      const part = data.subarray(at, at + g.chunk);
      const n = await agent.fileWrite(handle, part, { timeoutMs: 60_000 });
      if (n <= 0) throw qemuError('internal', `guest-file-write wrote nothing to '${path}' in ${vm.name}`);
      at += n;
    }
    await agent.fileFlush(handle);
  } catch (e) {
    throw fileError(vm, creds, path, 'write', e);
  } finally {
    await agent.fileClose(handle).catch(() => undefined);
  }
}
