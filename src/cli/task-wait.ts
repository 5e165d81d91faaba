/**
 * Following a task (`com.vmware.cis.tasks`) to its end, drawing its progress and step
 * text, without throwing on failure: the caller decides what a FAILED task means.
 */
import type { TaskInfo, VapiClient } from '../clients/vapi/index.ts';
import { CliError, EXIT_FAILURE, EXIT_UNAUTHENTICATED } from './cli-error.ts';
import type { ItemProgress } from './progress.ts';
import { ProgressBoard } from './progress.ts';

export interface TaskWaitOptions {
  /** Poll interval; default 250 ms. */
  readonly intervalMs?: number;
  readonly signal?: AbortSignal;
}

export function isFinished(t: TaskInfo): boolean {
  return t.status === 'SUCCEEDED' || t.status === 'FAILED';
}

/** The task's step text (its progress message), else its description. */
export function taskStep(t: TaskInfo): string {
  return t.progress?.message.default_message || t.description.default_message || '';
}

/** Percent complete, 0–100. */
export function taskPercent(t: TaskInfo): number {
  if (t.status === 'SUCCEEDED') return 100;
  const p = t.progress;
  if (!p || p.total <= 0) return 0;
  return Math.max(0, Math.min(100, Math.round((p.completed / p.total) * 100)));
}

/** The error text of a FAILED task. */
export function taskErrorText(t: TaskInfo): { errorType: string; message: string } {
  const err = t.error as { error_type?: unknown; messages?: { default_message?: unknown }[] } | undefined;
  const errorType = typeof err?.error_type === 'string' ? err.error_type : 'ERROR';
  const message = Array.isArray(err?.messages) ? err.messages.map((m) => String(m?.default_message ?? '')).filter(Boolean).join('; ') : '';
  return { errorType, message: message || t.description.default_message || 'the task failed' };
}

/** A FAILED task as the error a command exits with (3 when it failed unauthenticated, else 1). */
export function taskError(t: TaskInfo): CliError {
  const { errorType, message } = taskErrorText(t);
  return new CliError(errorType, message, errorType === 'UNAUTHENTICATED' ? EXIT_UNAUTHENTICATED : EXIT_FAILURE);
}

/** Polls until the task succeeds or fails; returns its last info. */
export async function followTask(client: VapiClient, task: string, bar: ItemProgress, options: TaskWaitOptions = {}): Promise<TaskInfo> {
  const interval = options.intervalMs ?? 250;
  for (;;) {
    const info = await client.tasks.get(task, undefined, options.signal === undefined ? {} : { signal: options.signal });
    if (info.status === 'PENDING' || info.status === 'BLOCKED') bar.spin(`${info.status.toLowerCase()}: ${taskStep(info)}`);
    else bar.update(taskPercent(info), taskStep(info));
    if (isFinished(info)) {
      bar.finish(info.status === 'SUCCEEDED' ? 'done' : `failed: ${taskErrorText(info).message}`, info.status === 'SUCCEEDED');
      return info;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * Follows a task under one progress line (drawn when `progress`); a FAILED task becomes a
 * CliError with the task's error type and message. Returns the final info.
 */
export async function runTask(client: VapiClient, progress: boolean, label: string, task: string): Promise<TaskInfo> {
  const board = new ProgressBoard(progress);
  let info: TaskInfo;
  try {
    info = await followTask(client, task, board.add(label));
  } finally {
    board.stop();
  }
  if (info.status === 'FAILED') throw taskError(info);
  return info;
}
