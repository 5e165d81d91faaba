/**
 * Guest operations (through core.guest): each request carries the guest account,
 * `<guestUser>` and `<guestPassword>` (the connection is TLS). The VM must be powered on
 * with tools running; a wrong guest password is `not_authenticated`.
 */
import type { GuestCredentials, ProgramResult } from '../../core/index.ts';
import type { XmlElement } from '../../protocols/vmserverd/index.ts';
import { child, childrenNamed } from '../../protocols/vmserverd/index.ts';
import { ExecError } from './errors.ts';
import { need, optBool, optInt, str } from './input.ts';
import type { OpContext, OpRegistrar } from './ops.ts';
import { taskReply, vmOf } from './vm-ref.ts';

function creds(i: XmlElement | undefined): GuestCredentials {
  return { username: str(i, 'guestUser'), password: child(need(i), 'guestPassword')?.rawText ?? '' };
}

async function guestVm(c: OpContext, i: XmlElement | undefined): Promise<string> {
  return (await vmOf(c, i, 'VirtualMachine.GuestOps')).id;
}

export function guestOps(op: OpRegistrar): void {
  op('VM_WaitForToolsInGuest', 'authuser', async (c, i) => {
    const id = (await vmOf(c, i)).id;
    const task = await c.core.power.waitForTools(c.caller, id, optInt(i, 'timeoutSeconds', 300, 1, 3600) * 1000);
    return taskReply(c, i, task, async () => ({ toolsState: (await c.core.vms.get(c.caller, id)).toolsState }));
  });
  op('Guest_Login', 'authuser', async (c, i) => {
    const id = await guestVm(c, i);
    const cr = creds(i);
    await c.core.guest.login(c.caller, id, cr);
    return { guestUser: cr.username };
  });
  op('Guest_RunProgram', 'authuser', async (c, i) => {
    const id = await guestVm(c, i);
    const args = childrenNamed(child(i, 'args'), 'arg').map((a) => a.rawText);
    const timeout = optInt(i, 'timeoutSeconds', 0, 0, 86_400);
    const task = await c.core.guest.runProgram(c.caller, id, creds(i), { path: str(i, 'program'), args, captureOutput: true }, timeout ? { timeoutMs: timeout * 1000 } : {});
    return taskReply(c, i, task, (r) => {
      const p = r as ProgramResult;
      return { pid: p.pid, exitCode: p.exitCode, stdout: p.stdout, stderr: p.stderr, elapsedMs: p.elapsedMs };
    });
  });
  op('Guest_ListProcesses', 'authuser', async (c, i) => {
    const ps = await c.core.guest.listProcesses(c.caller, await guestVm(c, i), creds(i));
    return { processes: { process: ps.map((p) => ({ pid: p.pid, name: p.name, owner: p.owner, commandLine: p.commandLine, startedAt: p.startedAt, exitCode: p.exitCode ?? '', finishedAt: p.finishedAt ?? '' })) } };
  });
  op('Guest_KillProcess', 'authuser', async (c, i) => {
    str(i, 'pid'); // required
    const pid = optInt(i, 'pid', 0, 1, 2 ** 31 - 1);
    await c.core.guest.killProcess(c.caller, await guestVm(c, i), creds(i), pid);
    return { pid };
  });
  op('Guest_ListDirectory', 'authuser', async (c, i) => {
    const es = await c.core.guest.listDirectory(c.caller, await guestVm(c, i), creds(i), str(i, 'path'));
    return { entries: { entry: es.map((e) => ({ name: e.name, path: e.path, type: e.type, size: e.size, modifiedAt: e.modifiedAt, mode: e.mode.toString(8), owner: e.owner })) } };
  });
  op('Guest_FileInfo', 'authuser', async (c, i) => {
    const e = await c.core.guest.stat(c.caller, await guestVm(c, i), creds(i), str(i, 'path'));
    return { name: e.name, path: e.path, type: e.type, size: e.size, modifiedAt: e.modifiedAt, mode: e.mode.toString(8), owner: e.owner };
  });
  op('Guest_MakeDirectory', 'authuser', async (c, i) => {
    await c.core.guest.makeDirectory(c.caller, await guestVm(c, i), creds(i), str(i, 'path'), optBool(i, 'makeParents'));
    return { path: str(i, 'path') };
  });
  op('Guest_RemoveDirectory', 'authuser', async (c, i) => {
    await c.core.guest.removeDirectory(c.caller, await guestVm(c, i), creds(i), str(i, 'path'), optBool(i, 'recursive'));
    return { path: str(i, 'path') };
  });
  op('Guest_DeleteFile', 'authuser', async (c, i) => {
    await c.core.guest.removeFile(c.caller, await guestVm(c, i), creds(i), str(i, 'path'));
    return { path: str(i, 'path') };
  });
  op('Guest_Rename', 'authuser', async (c, i) => {
    await c.core.guest.move(c.caller, await guestVm(c, i), creds(i), str(i, 'source'), str(i, 'destination'), optBool(i, 'overwrite'));
    return { path: str(i, 'destination') };
  });
  // File contents travel as base64 (binary-safe); at most 16 MiB a request.
  op('Guest_ReadFile', 'authuser', async (c, i) => {
    const data = await c.core.guest.readFile(c.caller, await guestVm(c, i), creds(i), str(i, 'path'), optInt(i, 'offset', 0, 0, Number.MAX_SAFE_INTEGER), optInt(i, 'length', 1024 * 1024, 1, 16 * 1024 * 1024));
    return { data: data.toString('base64'), bytes: data.length };
  });
  op('Guest_WriteFile', 'authuser', async (c, i) => {
    const b64 = child(need(i), 'data')?.text ?? '';
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new ExecError('bad_argument', '<data> must be base64');
    const data = Buffer.from(b64, 'base64');
    await c.core.guest.writeFile(c.caller, await guestVm(c, i), creds(i), str(i, 'path'), data, { overwrite: optBool(i, 'overwrite') });
    return { path: str(i, 'path'), bytes: data.length };
  });
}
