/**
 * `vmgate vm power on|off|suspend|reset <vm…>`: several VMs at once, one progress line
 * each. An operation the registry offers as a task (`start$task`, …) is followed with a
 * bar; otherwise the synchronous call runs under a spinner (vSphere 7.0.3 power
 * operations are synchronous). Exit 1 when any VM failed (3 when unauthenticated).
 */
import { Command } from 'commander';
import type { VapiClient } from '../../clients/vapi/index.ts';
import type { ServiceDef } from '../../protocols/vapi/types/index.ts';
import { VmPowerService } from '../../protocols/vapi/types/index.ts';
import { CliError, describeError, reportError } from '../cli-error.ts';
import { positiveInt } from '../options.ts';
import { clientAction } from '../client-command.ts';
import type { CliContext } from '../client-command.ts';
import { ProgressBoard } from '../progress.ts';
import type { ItemProgress } from '../progress.ts';
import { resolveVm } from '../resolve-vm.ts';
import type { ResolvedVm } from '../resolve-vm.ts';
import { followTask, taskError } from '../task-wait.ts';

type PowerOperation = 'start' | 'stop' | 'suspend' | 'reset';

const ACTIONS: Readonly<Record<string, { op: PowerOperation; verb: string; after: string }>> = {
  on: { op: 'start', verb: 'powering on', after: 'on' },
  off: { op: 'stop', verb: 'powering off', after: 'off' },
  suspend: { op: 'suspend', verb: 'suspending', after: 'suspended' },
  reset: { op: 'reset', verb: 'resetting', after: 'on' },
};

/** At most this many VMs change state at once. */
const PARALLEL = 8;

interface PowerResult {
  readonly vm: string;
  name?: string;
  readonly operation: PowerOperation;
  readonly ok: boolean;
  readonly power_state?: string;
  readonly error?: { readonly error_type: string; readonly message: string };
}

export function vmPowerCommand(): Command {
  const power = new Command('power').description('power operations on one or more VMs');
  for (const [action, a] of Object.entries(ACTIONS)) {
    const cmd = new Command(action).description(`${a.verb.replace(/^\w/, (c) => c.toUpperCase())} VMs`).argument('<vm...>', 'VM ids or names');
    if (action === 'on') cmd.option('--wait-tools', 'return when the guest tools (QEMU: the guest agent) answer, so guest operations work').option('--timeout <seconds>', 'with --wait-tools: how long to wait', positiveInt, 300);
    power.addCommand(clientAction<{ waitTools?: boolean; timeout?: number }>(cmd, (ctx, [refs], opts) => powerAll(ctx, action, refs as string[], opts.waitTools ? (opts.timeout ?? 300) * 1000 : null)));
  }
  return power;
}

async function powerAll(ctx: CliContext, action: string, refs: readonly string[], waitToolsMs: number | null = null): Promise<number> {
  const a = ACTIONS[action]!;
  const board = new ProgressBoard(ctx.progress);
  const results: PowerResult[] = new Array(refs.length);
  const errors: { index: number; subject: string; error: unknown }[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < refs.length; i = next++) {
      const ref = refs[i]!;
      const bar = board.add(ref);
      let vm: ResolvedVm | undefined;
      try {
        vm = await resolveVm(ctx.client, ref);
        await powerOne(ctx.client, vm.id, a.op, a.verb, bar);
        if (waitToolsMs !== null) await waitForTools(ctx.client, vm.id, waitToolsMs, bar);
        bar.finish(a.after);
        results[i] = { vm: vm.id, ...(vm.name ? { name: vm.name } : {}), operation: a.op, ok: true, power_state: a.after };
      } catch (e) {
        const d = describeError(e);
        bar.finish(`failed: ${d.errorType}`, false);
        errors.push({ index: i, subject: vm?.id ?? ref, error: e });
        results[i] = { vm: vm?.id ?? ref, ...(vm?.name ? { name: vm.name } : {}), operation: a.op, ok: false, error: { error_type: d.errorType, message: d.message } };
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(PARALLEL, refs.length) }, worker));
  } finally {
    board.stop();
  }
  let exit = 0;
  // Errors in the order the VMs were given, whichever finished first.
  for (const { subject, error } of errors.sort((x, y) => x.index - y.index)) exit = Math.max(exit, reportError(error, subject));
  await addNames(ctx.client, results);
  ctx.out.table(results, [
    { header: 'VM', value: (r) => r.vm },
    { header: 'NAME', value: (r) => r.name },
    { header: 'POWER', value: (r) => (r.ok ? r.power_state : `error: ${r.error!.error_type}`) },
  ]);
  return exit;
}

/** Names for the VMs given by id (one list call; best effort: the table shows '-' otherwise). */
async function addNames(client: VapiClient, results: PowerResult[]): Promise<void> {
  const ids = results.filter((r) => r.name === undefined && /^vm-\d+$/.test(r.vm)).map((r) => r.vm);
  if (ids.length === 0) return;
  try {
    const names = new Map((await client.vm.list({ vms: ids })).map((v) => [v.vm, v.name]));
    for (const r of results) if (r.name === undefined) r.name = names.get(r.vm);
  } catch {
    // The power operations are done; a missing name is no reason to fail.
  }
}

async function powerOne(client: VapiClient, vm: string, op: PowerOperation, verb: string, bar: ItemProgress): Promise<void> {
  const asTask = `${op}$task`;
  if (Object.hasOwn(VmPowerService.operations, asTask)) {
    const svc = VmPowerService as ServiceDef;
    const task = (await client.call(svc, asTask, { vm })) as string;
    const info = await followTask(client, task, bar);
      if (info.status === 'FAILED') throw taskError(info);
    return;
  }
  bar.spin(`${verb}…`);
  await client.power[op](vm);
}

/** Polls vSphere's guest power state until the guest's tools say operations are ready. */
async function waitForTools(client: VapiClient, vm: string, timeoutMs: number, bar: ItemProgress): Promise<void> {
  bar.spin('waiting for the guest tools…');
  const deadline = Date.now() + timeoutMs;
  while (!(await client.guest.power.get(vm)).operations_ready) {
    if (Date.now() > deadline) throw new CliError('TIMED_OUT', `the guest tools of ${vm} did not answer within ${Math.round(timeoutMs / 1000)} s (is a guest agent installed and running?)`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
