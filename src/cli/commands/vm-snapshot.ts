/**
 * `vmgate vm snapshot list|create|revert|delete` over com.vmgate.vm.snapshots. Changes
 * run as tasks, followed with a progress bar.
 */
import { Command } from 'commander';
import type { VmgateSnapshotSummary } from '../../clients/vapi/index.ts';
import { clientAction } from '../client-command.ts';
import { shortPowerState } from '../power-state.ts';
import { resolveVm } from '../resolve-vm.ts';
import { runTask } from '../task-wait.ts';


export function vmSnapshotCommand(): Command {
  const snap = new Command('snapshot').description("a VM's snapshots");
  snap.addCommand(listCommand());
  snap.addCommand(createCommand());
  snap.addCommand(revertCommand());
  snap.addCommand(deleteCommand());
  return snap;
}

/** Depth-first, children under their parent, so the NAME column reads as a tree. */
function treeOrder(all: readonly VmgateSnapshotSummary[]): { s: VmgateSnapshotSummary; depth: number }[] {
  const byId = new Map(all.map((s) => [s.snapshot, s]));
  const out: { s: VmgateSnapshotSummary; depth: number }[] = [];
  const seen = new Set<string>();
  const visit = (s: VmgateSnapshotSummary, depth: number): void => {
    if (seen.has(s.snapshot)) return;
    seen.add(s.snapshot);
    out.push({ s, depth });
    for (const c of s.children) {
      const child = byId.get(c);
      if (child) visit(child, depth + 1);
    }
  };
  for (const s of all) if (s.parent === undefined || !byId.has(s.parent)) visit(s, 0);
  for (const s of all) visit(s, 0); // anything a broken tree left out
  return out;
}

function listCommand(): Command {
  const cmd = new Command('list').description('list the snapshot tree (* marks the current one)').argument('<vm>', 'VM id or name');
  return clientAction(cmd, async ({ client, out }, [ref]) => {
    const { id } = await resolveVm(client, ref as string);
    const all = await client.vmgate.snapshots.list(id);
    out.table(
      treeOrder(all),
      [
        { header: 'SNAPSHOT', value: (r) => r.s.snapshot },
        { header: 'NAME', value: (r) => `${'  '.repeat(r.depth)}${r.s.name}${r.s.current ? ' *' : ''}` },
        { header: 'POWER', value: (r) => shortPowerState(r.s.power_state) },
        { header: 'MEMORY', value: (r) => (r.s.include_memory ? 'yes' : 'no') },
        { header: 'CREATED', value: (r) => r.s.created },
        { header: 'DESCRIPTION', value: (r) => r.s.description },
      ],
      all,
    );
  });
}

interface CreateOptions {
  readonly description?: string;
  readonly memory?: boolean;
}

function createCommand(): Command {
  const cmd = new Command('create')
    .description('take a snapshot')
    .argument('<vm>', 'VM id or name')
    .argument('<name>', 'snapshot name')
    .option('--description <text>', 'description')
    .option('--memory', "save a running VM's memory too (reverting resumes it)");
  return clientAction<CreateOptions>(cmd, async ({ client, out, progress }, [ref, name], opts) => {
    const { id } = await resolveVm(client, ref as string);
    const spec = { name: name as string, ...(opts.description ? { description: opts.description } : {}), ...(opts.memory ? { memory: true } : {}) };
    const task = await client.vmgate.snapshots.create(id, spec, { task: true });
    const info = await runTask(client, progress, `snapshot ${id}`, task);
    const snapshot = typeof info.result === 'string' ? info.result.replace(/^"|"$/g, '') : undefined;
    out.result(`created ${snapshot ?? `snapshot '${name as string}'`} of ${id}`, { vm: id, snapshot: snapshot ?? null, task });
  });
}

function revertCommand(): Command {
  const cmd = new Command('revert').description('revert the VM to a snapshot').argument('<vm>', 'VM id or name').argument('<snapshot>', 'snapshot id or name (a/b walks the tree)');
  return clientAction(cmd, async ({ client, out, progress }, [ref, snapshot]) => {
    const { id } = await resolveVm(client, ref as string);
    const task = await client.vmgate.snapshots.revert(id, snapshot as string, { task: true });
    await runTask(client, progress, `revert ${id}`, task);
    out.result(`reverted ${id} to ${snapshot as string}`, { vm: id, snapshot, task });
  });
}

function deleteCommand(): Command {
  const cmd = new Command('delete')
    .description('delete a snapshot (its disk state merges into its children)')
    .argument('<vm>', 'VM id or name')
    .argument('<snapshot>', 'snapshot id or name')
    .option('--children', 'delete its descendants too');
  return clientAction<{ children?: boolean }>(cmd, async ({ client, out, progress }, [ref, snapshot], opts) => {
    const { id } = await resolveVm(client, ref as string);
    const task = await client.vmgate.snapshots.delete(id, snapshot as string, opts.children === true, { task: true });
    await runTask(client, progress, `delete snapshot ${id}`, task);
    out.result(`deleted ${snapshot as string} of ${id}`, { vm: id, snapshot, task });
  });
}
