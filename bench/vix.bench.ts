/**
 * VixVM_RunProgramInGuest of `true` on the sim driver, round trip after round trip,
 * through the faithful API (VixJob_Wait blocking this thread; the I/O in its worker), the
 * promise API (callbacks), and raw exec frames (VmserverdClient, `Guest_RunProgram`), all
 * against the same vmgate process in one run. The raw frames are the baseline: the ratios
 * say what the SDK's job machinery and its worker thread cost.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as V from '../src/clients/vix/index.ts';
import { VmserverdClient } from '../src/clients/vmserverd/index.ts';
import { spawnServer } from '../test/support/spawn-server.ts';
import { measure, report } from './lib.ts';

const RUNS = Number(process.env.BENCH_VIX_RUNS ?? 300);
const PASSWORD = 'bench-vix-password-1';
const VMX = '[LocalDS_0] DC0_C0_H0_VM0/DC0_C0_H0_VM0.vmx';

export async function benchVix(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vmgate-bench-vix-'));
  const s = await spawnServer(dir, ['--demo', '--demo-hosts', '1', '--demo-vms', '1', '--sim-speed', '1000', '--faces', 'authd', '--log-level', 'warn'], { VMGATE_ADMIN_PASSWORD: PASSWORD });
  try {
    const ca = await readFile(join(dir, 'tls', 'server.crt'), 'utf8');
    const port = s.ports.authd!;
    const raw = await VmserverdClient.connect({ host: '127.0.0.1', port, ca });
    await raw.login('administrator', PASSWORD);
    if ((await raw.vmInfo(VMX)).powerState !== 'poweredOn') await raw.power('VM_PowerOn', VMX);
    await raw.exec('VM_WaitForToolsInGuest', { vmx: VMX, timeoutSeconds: 60 });
    const guest = { user: 'root', password: 'vmware' };

    // Faithful API.
    const [, pl] = V.VixPropertyList_AllocPropertyList(V.VIX_INVALID_HANDLE, V.VMGATE_PROPERTY_HOST_CA_PEM, ca, V.VIX_PROPERTY_NONE);
    let job = V.VixHost_Connect(V.VIX_API_VERSION, V.VIX_SERVICEPROVIDER_VMWARE_SERVER, '127.0.0.1', port, 'administrator', PASSWORD, 0, pl, null, null);
    const [e1, host] = V.VixJob_Wait(job, V.VIX_PROPERTY_JOB_RESULT_HANDLE, V.VIX_PROPERTY_NONE);
    V.Vix_ReleaseHandle(job);
    if (e1 !== V.VIX_OK) throw new Error(`connect: ${V.Vix_GetErrorText(e1)}`);
    job = V.VixVM_Open(host as number, VMX, null, null);
    const [, vm] = V.VixJob_Wait(job, V.VIX_PROPERTY_JOB_RESULT_HANDLE, V.VIX_PROPERTY_NONE);
    V.Vix_ReleaseHandle(job);
    job = V.VixVM_LoginInGuest(vm as number, guest.user, guest.password, 0, null, null);
    V.VixJob_Wait(job, V.VIX_PROPERTY_NONE);
    V.Vix_ReleaseHandle(job);
    const faithfulOnce = (): void => {
      const j = V.VixVM_RunProgramInGuest(vm as number, 'true', null, 0, V.VIX_INVALID_HANDLE, null, null);
      const [err] = V.VixJob_Wait(j, V.VIX_PROPERTY_NONE);
      V.Vix_ReleaseHandle(j);
      if (err !== V.VIX_OK) throw new Error(V.Vix_GetErrorText(err));
    };

    // Promise API.
    const ph = await V.connect({ host: '127.0.0.1', port, user: 'administrator', password: PASSWORD, ca });
    const pvm = await ph.openVM(VMX);
    await pvm.loginInGuest(guest.user, guest.password);

    const rawOnce = async (): Promise<void> => {
      await raw.exec('Guest_RunProgram', { vmx: VMX, guestUser: guest.user, guestPassword: guest.password, program: 'true', args: { arg: [] } });
    };

    for (let i = 0; i < 20; i++) {
      faithfulOnce();
      await pvm.runProgram('true');
      await rawOnce();
    }
    const faithful = await measure('faithful API (VixJob_Wait blocks)', RUNS, async () => {
      for (let i = 0; i < RUNS; i++) faithfulOnce();
    });
    const promise = await measure('promise API (vm.runProgram)', RUNS, async () => {
      for (let i = 0; i < RUNS; i++) await pvm.runProgram('true');
    });
    const base = await measure('raw exec frames (Guest_RunProgram)', RUNS, async () => {
      for (let i = 0; i < RUNS; i++) await rawOnce();
    });
    report('VixVM_RunProgramInGuest of `true`, faithful API', faithful, base);
    report('VixVM_RunProgramInGuest of `true`, promise API', promise, base);

    pvm.release();
    ph.disconnect();
    V.Vix_ReleaseHandle(vm as number);
    V.VixHost_Disconnect(host as number);
    V.Vix_ReleaseHandle(pl);
    raw.close();
  } finally {
    s.child.kill('SIGTERM');
    await s.exited;
    await rm(dir, { recursive: true, force: true });
  }
}
