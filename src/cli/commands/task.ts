/** `vmgate task list|watch|cancel`: the task records every long operation leaves (com.vmware.cis.tasks). */
import { Command } from 'commander';
import type { TaskInfo, TaskStatus } from '../../clients/vapi/index.ts';
import { CliError, reportError, usageError } from '../cli-error.ts';
import { clientAction } from '../client-command.ts';
import { collect, nonNegativeInt } from '../options.ts';
import { ProgressBoard } from '../progress.ts';
import { resolveVm } from '../resolve-vm.ts';
import { followTask, taskErrorText, taskPercent, taskStep } from '../task-wait.ts';

const STATUSES: readonly TaskStatus[] = ['PENDING', 'RUNNING', 'BLOCKED', 'SUCCEEDED', 'FAILED'];

export function taskCommand(): Command {
  const task = new Command('task').description('tasks: long operations and their progress');
  task.addCommand(listCommand());
  task.addCommand(watchCommand());
  task.addCommand(cancelCommand());
  return task;
}

function cancelCommand(): Command {
  const cmd = new Command('cancel').description('ask a running task to stop (clone and relocate while they copy, guest programs, waits)').argument('<task>', 'task id');
  return clientAction(cmd, async ({ client, out }, [id]) => {
    await client.tasks.cancel(id as string);
    out.result(`asked task ${id as string} to stop`, { task: id as string });
  });
}

interface ListOptions {
  readonly status?: string[];
  readonly vm?: string[];
  readonly limit: number;
}

function listCommand(): Command {
  const cmd = new Command('list')
    .description('list tasks, oldest first (the most recent --limit)')
    .option('--status <status>', 'pending | running | blocked | succeeded | failed (repeatable)', collect)
    .option('--vm <vm>', 'tasks on this VM (id or name; repeatable)', collect)
    .option('--limit <n>', 'show at most the n most recent (0: all)', nonNegativeInt, 50);
  return clientAction<ListOptions>(cmd, async ({ client, out }, _args, opts) => {
    const status = opts.status?.map((s) => {
      const v = s.toUpperCase() as TaskStatus;
      if (!STATUSES.includes(v)) throw usageError(`--status '${s}': use ${STATUSES.map((x) => x.toLowerCase()).join(', ')}`);
      return v;
    });
    const targets = opts.vm === undefined ? undefined : await Promise.all(opts.vm.map(async (v) => ({ type: 'VirtualMachine', id: (await resolveVm(client, v)).id })));
    const map = await client.tasks.list({ filter_spec: { ...(status ? { status } : {}), ...(targets ? { targets } : {}) } });
    let rows = Object.entries(map).map(([id, t]) => ({ id, t }));
    rows.sort((a, b) => (a.t.start_time ?? '').localeCompare(b.t.start_time ?? '') || a.id.localeCompare(b.id));
    if (opts.limit > 0) rows = rows.slice(-opts.limit);
    out.table(
      rows,
      [
        { header: 'TASK', value: (r) => r.id },
        { header: 'DESCRIPTION', value: (r) => r.t.description.default_message },
        { header: 'TARGET', value: (r) => r.t.target?.id },
        { header: 'STATUS', value: (r) => r.t.status.toLowerCase() },
        { header: 'PROGRESS', value: (r) => `${taskPercent(r.t)}%`, align: 'right' },
        { header: 'STARTED', value: (r) => r.t.start_time },
        { header: 'USER', value: (r) => r.t.user },
      ],
      Object.fromEntries(rows.map((r) => [r.id, r.t])),
    );
  });
}

function watchCommand(): Command {
  const cmd = new Command('watch')
    .description('follow a task with a progress bar until it ends (exit 0: succeeded, 1: failed)')
    .argument('<task>', 'task id');
  return clientAction(cmd, async ({ client, out, progress }, [id]) => {
    const task = id as string;
    if (task.trim() === '') throw usageError('the task id is empty');
    const board = new ProgressBoard(progress);
    let info: TaskInfo;
    try {
      info = await followTask(client, task, board.add(task.slice(0, 8)));
    } finally {
      board.stop();
    }
    if (out.json) out.printJson({ task, ...info });
    if (info.status === 'FAILED') {
      const { errorType, message } = taskErrorText(info);
      return reportError(new CliError(errorType, message), `task ${task}`);
    }
    if (!out.json) {
      const result = info.result === undefined ? '' : `: ${typeof info.result === 'string' ? info.result : JSON.stringify(info.result)}`;
      out.write(`task ${task} succeeded (${taskStep(info) || info.description.default_message})${result}\n`);
    }
    return 0;
  });
}
