import type { Caller } from './caller.ts';
import type { CoreContext } from './context.ts';
import type { Authorizer } from './authorizer.ts';
import type { EventLog } from './events.ts';
import { VmgateError, internal, invalidArgument, notAllowedInCurrentState, notFound, toVmgateError } from './errors.ts';
import { newGuid } from './ids.ts';
import type { InventoryEvent, Task, TaskFilter, TaskKind } from './model/index.ts';
import type { Store } from './ports/store.ts';

export interface TaskContext {
  readonly taskId: string;
  readonly signal: AbortSignal;
  /** Percent 0–100 and a short step text. Emitted at once, persisted at most every 250 ms. */
  progress(percent: number, step?: string): void;
  /**
   * Ends the task well: `writes` and the task's success are recorded in one transaction
   * (a state change and its event commit with the task, or none of them does). The last
   * thing a task does; returns `result`. If the transaction fails nothing of it stays and
   * the error is thrown (the task then ends failed, recorded on its own).
   */
  complete<T>(result: T, writes: (tx: Store) => Promise<void>): Promise<T>;
}

export interface TaskSpec {
  readonly kind: TaskKind;
  readonly targetId: string | null;
  readonly targetName: string | null;
  readonly caller: Caller;
  readonly cancellable: boolean;
  /** Released when the task ends (the VM's operation lock). */
  readonly release?: () => void;
  /** The VM whose operation lock `release` frees: the lock then names this task. */
  readonly lockedVmId?: string;
  /** Step text while it waits to start. */
  readonly step?: string;
  /** Writes recorded in the same transaction as the new task (a VM's transitional state). */
  readonly begin?: (tx: Store) => Promise<void>;
}

interface Running {
  task: Task;
  readonly abort: AbortController;
  readonly done: Promise<Ended>;
  lastPersist: number;
  persistTimer: NodeJS.Timeout | null;
  /** complete() recorded the end: finishing only emits. */
  committed: boolean;
}

/** How a task ended here: its record, and for a failure the error as thrown (typed, with its module and cause). */
interface Ended {
  readonly task: Task;
  readonly error: VmgateError | null;
}

const PROGRESS_PERSIST_MS = 250;

/**
 * The task engine: every operation that takes time is a persisted task, returned at once
 * and finished by a runner. VIX jobs, RDV jobs, vmserverd TaskManager and vAPI tasks are
 * views of the same record.
 */
export class TaskEngine {
  private readonly running = new Map<string, Running>();
  private accepting = true;

  constructor(
    private readonly ctx: CoreContext,
    private readonly authz: Authorizer,
    private readonly events: EventLog,
  ) {}

  /** Persists the task, starts `work` and returns the task record right away. */
  async start<T>(spec: TaskSpec, work: (t: TaskContext) => Promise<T>): Promise<Task> {
    if (!this.accepting) {
      spec.release?.();
      throw notAllowedInCurrentState('vmgate is shutting down and accepts no new tasks', { module: 'core.tasks' });
    }
    const now = this.ctx.clock.now().toISOString();
    const task: Task = {
      id: newGuid(),
      kind: spec.kind,
      targetId: spec.targetId,
      targetName: spec.targetName,
      state: 'running',
      progress: 0,
      step: spec.step ?? 'Starting',
      cancellable: spec.cancellable,
      result: null,
      error: null,
      ownerId: spec.caller.kind === 'user' ? spec.caller.userId : null,
      ownerName: spec.caller.userName,
      createdAt: now,
      startedAt: now,
      finishedAt: null,
    };
    try {
      // A transaction even with no `begin`: the store commits concurrent ones together.
      const begin = spec.begin;
      await this.ctx.store.transaction(async (tx) => {
        await tx.tasks.insert(task);
        if (begin) await begin(tx);
      });
    } catch (e) {
      spec.release?.();
      throw e;
    }
    const abort = new AbortController();
    let resolveDone!: (t: Ended) => void;
    const done = new Promise<Ended>((r) => (resolveDone = r));
    // The first progress is persisted after PROGRESS_PERSIST_MS, not at once: a short task writes none.
    const entry: Running = { task, abort, done, lastPersist: Date.now(), persistTimer: null, committed: false };
    this.running.set(task.id, entry);
    if (spec.lockedVmId) this.ctx.locks.setTask(spec.lockedVmId, task.id);
    this.ctx.bus.emit('task.changed', task);

    const tctx: TaskContext = {
      taskId: task.id,
      signal: abort.signal,
      progress: (percent, step) => this.progress(entry, percent, step),
      complete: (result, writes) => this.complete(entry, result, writes),
    };
    // Run on the next tick so the caller gets the record before any progress.
    setImmediate(() => {
      void (async () => {
        let final: Task;
        let failure: VmgateError | null = null;
        try {
          const result = await work(tctx);
          final = await this.finish(entry, { state: 'success', progress: 100, step: 'Completed', result: result ?? null });
        } catch (e) {
          const err = toVmgateError(e, 'core.tasks');
          failure = err;
          const state = err.kind === 'cancelled' || abort.signal.aborted ? 'cancelled' : 'error';
          if (err.kind === 'internal') this.ctx.log.error({ err: e, taskId: task.id }, 'task failed with an internal error');
          entry.committed = false;
          // The task's end and its event: one transaction.
          final = await this.finish(
            entry,
            {
              state,
              step: state === 'cancelled' ? 'Cancelled' : 'Failed',
              error: { kind: state === 'cancelled' ? 'cancelled' : err.kind, message: err.message, ...(err.reason ? { reason: err.reason } : {}) },
            },
            (tx) =>
              this.events.append(tx, task.targetId ?? 'root', state === 'cancelled' ? 'task.cancelled' : 'task.failed', `${task.kind}: ${err.message}`, {
                severity: state === 'cancelled' ? 'info' : 'error',
                caller: spec.caller,
                taskId: task.id,
              }),
          );
        } finally {
          spec.release?.();
          this.running.delete(task.id);
        }
        resolveDone({ task: final, error: failure });
      })();
    });
    return task;
  }

  private progress(entry: Running, percent: number, step?: string): void {
    if (entry.task.state !== 'running') return;
    const p = Math.max(entry.task.progress, Math.min(99, Math.round(percent)));
    entry.task = { ...entry.task, progress: p, step: step ?? entry.task.step };
    this.ctx.bus.emit('task.changed', entry.task);
    const now = Date.now();
    if (now - entry.lastPersist >= PROGRESS_PERSIST_MS) {
      entry.lastPersist = now;
      void this.persistProgress(entry);
    } else if (!entry.persistTimer) {
      entry.persistTimer = setTimeout(() => {
        entry.persistTimer = null;
        entry.lastPersist = Date.now();
        void this.persistProgress(entry);
      }, PROGRESS_PERSIST_MS);
    }
  }

  private async persistProgress(entry: Running): Promise<void> {
    if (entry.task.state !== 'running') return;
    try {
      await this.ctx.store.tasks.update(entry.task.id, { progress: entry.task.progress, step: entry.task.step }, entry.task);
    } catch (e) {
      // The task goes on; its record shows older progress until the next write or its end.
      this.ctx.log.warn({ err: e, taskId: entry.task.id }, 'could not record the progress of a task');
    }
  }

  private async complete<T>(entry: Running, result: T, writes: (tx: Store) => Promise<void>): Promise<T> {
    if (entry.task.state !== 'running' || entry.committed) throw internal(`task ${entry.task.id} was already completed`, { module: 'core.tasks' });
    if (entry.persistTimer) clearTimeout(entry.persistTimer);
    entry.persistTimer = null;
    const final: Task = { ...entry.task, state: 'success', progress: 100, step: 'Completed', result: result ?? null, finishedAt: this.ctx.clock.now().toISOString() };
    await this.ctx.store.transaction(async (tx) => {
      await writes(tx);
      await tx.tasks.update(final.id, { state: final.state, progress: final.progress, step: final.step, result: final.result, error: null, finishedAt: final.finishedAt }, entry.task);
    });
    entry.task = final;
    entry.committed = true;
    return result;
  }

  /**
   * Records the task's end (unless complete() has), with the event `event` appends, in one
   * transaction. If that fails the task still ends here (logged): its record shows it
   * running until crash recovery marks it interrupted.
   */
  private async finish(entry: Running, patch: Partial<Task>, event?: (tx: Store) => Promise<InventoryEvent>): Promise<Task> {
    if (entry.persistTimer) clearTimeout(entry.persistTimer);
    entry.persistTimer = null;
    if (entry.committed) {
      // complete() has recorded it, in the transaction of the task's own writes.
      this.ctx.bus.emit('task.changed', entry.task);
      return entry.task;
    }
    const recorded = entry.task;
    const final: Task = { ...entry.task, ...patch, finishedAt: this.ctx.clock.now().toISOString() };
    entry.task = final;
    let ev: InventoryEvent | null = null;
    try {
      await this.ctx.store.transaction(async (tx) => {
        await tx.tasks.update(
          final.id,
          { state: final.state, progress: final.progress, step: final.step, result: final.result, error: final.error, finishedAt: final.finishedAt },
          recorded,
        );
        if (event) ev = await event(tx);
      });
    } catch (e) {
      this.ctx.log.error({ err: e, taskId: final.id }, event ? 'could not record the end of a task and its event' : 'could not record the end of a task');
    }
    this.ctx.bus.emit('task.changed', final);
    if (ev) this.ctx.bus.emit('event.appended', ev);
    return final;
  }

  async get(caller: Caller, id: string): Promise<Task> {
    const t = this.running.get(id)?.task ?? (await this.ctx.store.tasks.get(id));
    if (!t || !(await this.visible(caller, t))) throw notFound(`task ${id} was not found`, { module: 'core.tasks' });
    return t;
  }

  async list(caller: Caller, filter: TaskFilter = {}): Promise<Task[]> {
    const all = await this.authz.seesAll(caller);
    const rows = await this.ctx.store.tasks.query({ ...filter, ...(all ? {} : { ownerIds: [caller.userId] }), limit: Math.min(filter.limit ?? 1000, 10_000) });
    return rows.map((t) => this.running.get(t.id)?.task ?? t);
  }

  /** Whether the caller may see a task: their own, or System.View on its target (root without one); `ancestry`: the target's, when known. */
  async visible(caller: Caller, t: Task, ancestry?: readonly string[]): Promise<boolean> {
    if (caller.kind === 'system' || t.ownerId === caller.userId) return true;
    return this.authz.has(caller, 'System.View', t.targetId ?? 'root', ancestry);
  }

  async cancel(caller: Caller, id: string): Promise<Task> {
    const t = await this.get(caller, id);
    if (t.ownerId !== caller.userId) await this.authz.require(caller, 'Task.Cancel', t.targetId ?? 'root');
    const r = this.running.get(id);
    if (!r || t.state !== 'running') throw notAllowedInCurrentState(`task ${id} has already finished (${t.state})`, { module: 'core.tasks' });
    if (!t.cancellable) throw notAllowedInCurrentState(`task ${id} (${t.kind}) cannot be cancelled`, { module: 'core.tasks' });
    r.abort.abort();
    return r.task;
  }

  /**
   * Deletes a finished task from the task list (every face's): the owner may, others need
   * Task.Cancel where the task ran. A task that still runs is refused (stop it first).
   */
  async remove(caller: Caller, id: string): Promise<Task> {
    const t = await this.get(caller, id);
    if (t.ownerId !== caller.userId) await this.authz.require(caller, 'Task.Cancel', t.targetId ?? 'root');
    if (this.running.has(id) || t.state === 'running' || t.state === 'queued') {
      throw notAllowedInCurrentState(`task ${id} (${t.kind}) is still ${t.state}: stop it or wait for its end before deleting it`, { module: 'core.tasks' });
    }
    await this.ctx.store.tasks.delete(id);
    await this.events.record(t.targetId ?? 'root', 'task.deleted', `${t.kind} task ${id} (${t.state}) deleted from the task list`, { caller });
    return t;
  }

  /** Resolves with the final record (whatever its state). */
  async wait(caller: Caller, id: string, opts: { timeoutMs?: number } = {}): Promise<Task> {
    const t = await this.get(caller, id);
    const r = this.running.get(id);
    if (!r) return t;
    if (opts.timeoutMs === undefined) return (await r.done).task;
    if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs < 0) throw invalidArgument('timeout must be a non-negative number of milliseconds');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Task>((res) => {
      timer = setTimeout(() => res(r.task), opts.timeoutMs);
    });
    try {
      return await Promise.race([r.done.then((d) => d.task), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Waits for the task and returns its result, or throws its error: the error as thrown
   * when the task ran in this process and is awaited while running, else one rebuilt
   * from the record.
   */
  async result<T = unknown>(caller: Caller, task: Task): Promise<T> {
    const r = this.running.get(task.id);
    if (r) {
      await this.get(caller, task.id);
      const ended = await r.done;
      if (ended.task.state === 'success') return ended.task.result as T;
      if (ended.error) throw ended.task.state === 'cancelled' && ended.error.kind !== 'cancelled' ? new VmgateError('cancelled', ended.error.message, { module: ended.error.module, cause: ended.error }) : ended.error;
    }
    const final = await this.wait(caller, task.id);
    if (final.state === 'success') return final.result as T;
    const e = final.error ?? { kind: 'internal' as const, message: `task ${final.id} ended ${final.state}` };
    throw new VmgateError(e.kind, e.message, { module: 'core.tasks', ...(e.reason ? { reason: e.reason } : {}), details: { taskId: final.id } });
  }

  runningCount(): number {
    return this.running.size;
  }

  /**
   * Crash recovery: tasks the database still shows as queued/running belonged to a
   * process that died. Mark them failed with a clear reason.
   */
  async recoverInterrupted(): Promise<Task[]> {
    const stale = await this.ctx.store.tasks.listUnfinished();
    const now = this.ctx.clock.now().toISOString();
    const out: Task[] = [];
    for (const t of stale) {
      if (this.running.has(t.id)) continue;
      const error = { kind: 'internal' as const, message: `vmgate stopped while this task was ${t.state} (at ${t.progress}%: ${t.step}); it did not finish` };
      out.push(await this.ctx.store.tasks.update(t.id, { state: 'error', error, finishedAt: now, step: 'Interrupted' }));
      await this.events.record(t.targetId ?? 'root', 'task.interrupted', `${t.kind}: ${error.message}`, { severity: 'error', taskId: t.id });
    }
    return out;
  }

  /** Shutdown: accept nothing new; wait up to `ms` for running tasks, then cancel the rest. */
  async drain(ms: number): Promise<void> {
    this.accepting = false;
    const pending = [...this.running.values()].map((r) => r.done);
    if (pending.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(pending), new Promise((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
    for (const r of this.running.values()) r.abort.abort();
    await Promise.race([Promise.all([...this.running.values()].map((r) => r.done)), new Promise((r) => setTimeout(r, 2000))]);
  }
}
