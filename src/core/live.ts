import type { Authorizer } from './authorizer.ts';
import type { Caller } from './caller.ts';
import type { CoreContext } from './context.ts';
import { unauthenticated } from './errors.ts';
import type { SessionService } from './identity/sessions.ts';
import type { InventoryEvent, Task, Vm } from './model/index.ts';
import type { TaskEngine } from './tasks.ts';

/** One change a watcher may see, in the order core made them. */
export type LiveUpdate =
  | { readonly type: 'vm'; readonly vm: Vm }
  | { readonly type: 'vm-removed'; readonly vm: Vm }
  | { readonly type: 'task'; readonly task: Task }
  | { readonly type: 'event'; readonly event: InventoryEvent };

/** Why a subscription ended: its session ended (`logout`, `expired`, …), too many updates waited, or it was closed. */
export type LiveEnd = 'logout' | 'expired' | 'revoked' | 'evicted' | 'overflow' | 'closed';

export interface LiveSubscription {
  /** Resolves once, when the subscription ends (nothing is delivered after it). */
  readonly ended: Promise<LiveEnd>;
  /** Checks the session still stands (without refreshing its idle time); ends the subscription if not. */
  check(): Promise<boolean>;
  /** Ends it (the client went): every listener is removed. */
  close(): void;
}

/** Updates waiting for their authorization check, per subscriber, before the subscriber is dropped. */
export const LIVE_PENDING_LIMIT = 10_000;

/**
 * Live updates for one caller: core's domain events (src/core/event-bus.ts) filtered by
 * what that caller may see — VMs, their removal and events on objects they may watch
 * (System.View, or a desktop they are entitled to), tasks they may see (their own, or on
 * an object they may watch). Core decides; a face only renders. Updates keep the order
 * core emitted them in. A subscription made with a session ends when that session does.
 */
export class LiveService {
  readonly #ancestries = new WeakMap<object, Promise<readonly string[]>>();

  constructor(
    private readonly ctx: CoreContext,
    private readonly authz: Authorizer,
    private readonly tasks: TaskEngine,
    private readonly sessions: SessionService,
  ) {}

  /** Listeners on core's event bus in all (a test proves subscriptions leave none behind). */
  listenerCount(): number {
    return this.ctx.bus.listenerCount();
  }

  /** Starts delivering the caller's updates to `deliver`. Needs a session (the stream ends with it). */
  async subscribe(caller: Caller, deliver: (u: LiveUpdate) => void): Promise<LiveSubscription> {
    const sessionId = caller.sessionId;
    if (sessionId === null || !(await this.sessions.isActive(sessionId))) throw unauthenticated('live updates need a session: log in first', { module: 'core.live' });
    const bus = this.ctx.bus;
    const log = this.ctx.log;
    let open = true;
    let pending = 0;
    let chain: Promise<void> = Promise.resolve();
    let resolveEnded!: (why: LiveEnd) => void;
    const ended = new Promise<LiveEnd>((r) => (resolveEnded = r));
    const offs: (() => void)[] = [];
    const end = (why: LiveEnd): void => {
      if (!open) return;
      open = false;
      for (const off of offs) off();
      offs.length = 0;
      resolveEnded(why);
    };
    // Checks run one after another, so updates reach the subscriber in the bus's order.
    const enqueue = (visible: () => Promise<boolean>, update: LiveUpdate): void => {
      if (!open) return;
      if (++pending > LIVE_PENDING_LIMIT) return end('overflow');
      chain = chain.then(async () => {
        pending--;
        if (!open) return;
        try {
          if (await visible()) {
            if (open) deliver(update);
          }
        } catch (e) {
          log.warn({ err: e, update: update.type }, 'a live update could not be checked or delivered');
        }
      });
    };
    offs.push(
      bus.on('vm.changed', (vm) => enqueue(async () => this.authz.mayWatch(caller, vm.id, await this.#vmAncestry(vm)), { type: 'vm', vm })),
      bus.on('vm.removed', (vm) => enqueue(async () => this.authz.mayWatch(caller, vm.id, await this.#vmAncestry(vm)), { type: 'vm-removed', vm })),
      bus.on('task.changed', (task) => enqueue(() => this.taskVisible(caller, task), { type: 'task', task })),
      bus.on('event.appended', (event) => enqueue(async () => this.authz.mayWatch(caller, event.objectId, await this.#ancestry(event, event.objectId)), { type: 'event', event })),
      // The session's end is in the bus's order too: what came before it is still checked
      // and delivered, nothing after it is taken, then the subscription ends.
      bus.on('session.ended', (s, why) => {
        if (s.id !== sessionId || !open) return;
        for (const off of offs) off();
        offs.length = 0;
        chain = chain.then(() => end(why));
      }),
    );
    return {
      ended,
      check: async () => {
        if (!open) return false;
        if (await this.sessions.isActive(sessionId)) return open;
        end('expired');
        return false;
      },
      close: () => end('closed'),
    };
  }

  /** A task the caller may see (TaskEngine's rule), or one on a VM they may watch (a desktop user's desktop powering on). */
  private async taskVisible(caller: Caller, task: Task): Promise<boolean> {
    const target = task.targetId ?? 'root';
    const ancestry = await this.#ancestry(task, target);
    if (await this.tasks.visible(caller, task, ancestry)) return true;
    return target.startsWith('vm-') && this.authz.mayWatch(caller, target, ancestry);
  }

  /**
   * An object's ancestry, looked up once per update however many subscribers check it
   * (the update object is the key: every subscriber gets the same one from the bus).
   */
  #ancestry(update: object, entityId: string): Promise<readonly string[]> {
    let p = this.#ancestries.get(update);
    if (!p) {
      p = this.authz.ancestry(entityId);
      this.#ancestries.set(update, p);
    }
    return p;
  }

  #vmAncestry(vm: Vm): Promise<readonly string[]> {
    let p = this.#ancestries.get(vm);
    if (!p) {
      p = this.authz.vmAncestry(vm);
      this.#ancestries.set(vm, p);
    }
    return p;
  }
}
