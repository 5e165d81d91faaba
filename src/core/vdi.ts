import type { ConsoleEndpoint } from './ports/driver.ts';
import type { Caller } from './caller.ts';
import type { CoreContext } from './context.ts';
import type { Authorizer } from './authorizer.ts';
import type { EventLog } from './events.ts';
import { alreadyExists, invalidArgument, notAllowedInCurrentState, notFound, resourceExhausted, unauthorized, unsupported } from './errors.ts';
import { newConsoleTicket } from './console-tickets.ts';
import { newGuid, nextId } from './ids.ts';
import { checkObjectName, TEXT_LIMITS } from './names.ts';
import type { DesktopPool, DesktopSession, DisplayProtocol, Entitlement, PublishedApplication, Vm } from './model/index.ts';
import type { PowerService } from './power-service.ts';
import type { TaskEngine } from './tasks.ts';
import type { VmRuntime } from './vm-runtime.ts';
import type { VmService } from './vms.ts';
import type { ConsoleProxyTicket, ConsoleService } from './consoles.ts';
import type { IdentityService } from './identity.ts';
import type { Preferences, UserPreferences } from './vdi-preferences.ts';
import { PreferenceStore, checkPreferences } from './vdi-preferences.ts';

export interface EntitledDesktop {
  readonly pool: DesktopPool;
  /** The desktop this user has (dedicated assignment or current session), if any. */
  readonly vm: Vm | null;
  readonly session: DesktopSession | null;
}

/** A desktop started for a user (session recorded, VM running), without a console opened on it. */
export interface DesktopStart {
  readonly pool: DesktopPool;
  readonly vm: Vm;
  readonly session: DesktopSession;
}

export interface DesktopLaunch extends DesktopStart {
  readonly endpoint: ConsoleEndpoint;
}

interface LaunchOptions {
  readonly onTask?: (taskId: string) => void;
  /** false: start the desktop but open no console (the caller hands out a proxy ticket instead). */
  readonly console?: boolean;
}

/** A launch that was asked to open the console has its endpoint. */
function opened<T extends DesktopStart & { readonly endpoint?: ConsoleEndpoint }>(l: T): T & { readonly endpoint: ConsoleEndpoint } {
  if (!l.endpoint) throw new Error('internal: the launch opened no console');
  return l as T & { readonly endpoint: ConsoleEndpoint };
}

export interface ApplicationLaunch extends DesktopLaunch {
  readonly application: PublishedApplication;
}

/** One thing a user may launch: a desktop pool, or one published application of an application pool. */
export interface LaunchItem {
  readonly kind: 'desktop' | 'application';
  readonly pool: DesktopPool;
  /** The application (kind 'application'), else null. */
  readonly application: PublishedApplication | null;
  /** The VM the caller has in that pool now (assigned desktop, or the VM of their session), or null. */
  readonly vm: Vm | null;
}

/** What an administrator gives to publish an application on an application pool. */
export interface ApplicationSpec {
  readonly name: string;
  readonly path: string;
  readonly version?: string;
  readonly publisher?: string;
  /** A small `data:image/(png|gif|jpeg|bmp|x-icon);base64,…` URL (at most 64 KiB), or absent. */
  readonly icon?: string | null;
}

const ICON_MAX = 64 * 1024;
const ICON_SYNTAX = /^data:image\/(png|gif|jpeg|bmp|x-icon|vnd\.microsoft\.icon);base64,[A-Za-z0-9+/]+={0,2}$/;

const hasControl = (s: string): boolean => [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

const PROTOCOLS: readonly DisplayProtocol[] = ['VNC', 'RDP', 'BLAST', 'PCOIP'];

/** Desktop pools (dedicated, floating, application), entitlements, assignments, desktop sessions, published applications and users' desktop preferences. */
export class VdiService {
  readonly #preferences = new PreferenceStore(() => this.ctx.store);

  constructor(
    private readonly ctx: CoreContext,
    private readonly authz: Authorizer,
    private readonly events: EventLog,
    private readonly tasks: TaskEngine,
    private readonly vms: VmService,
    private readonly power: PowerService,
    private readonly rt: VmRuntime,
    private readonly identity: IdentityService,
    private readonly consoles: ConsoleService,
  ) {}

  async listPools(caller: Caller): Promise<DesktopPool[]> {
    await this.authz.require(caller, 'Desktop.Admin', 'root');
    return this.ctx.store.pools.list();
  }

  async getPool(caller: Caller, ref: string): Promise<DesktopPool> {
    const p = (await this.ctx.store.pools.get(ref)) ?? (await this.ctx.store.pools.getByName(ref));
    if (!p) throw notFound(`desktop pool '${ref}' was not found`, { module: 'core.vdi' });
    if (!(await this.authz.has(caller, 'Desktop.Admin', 'root')) && !(await this.isEntitled(caller, p))) throw notFound(`desktop pool '${ref}' was not found`, { module: 'core.vdi' });
    return p;
  }

  async createPool(caller: Caller, spec: { name: string; displayName?: string; type: DesktopPool['type']; vmIds?: string[]; protocols?: DisplayProtocol[]; defaultProtocol?: DisplayProtocol; resetAllowed?: boolean }): Promise<DesktopPool> {
    await this.authz.require(caller, 'Desktop.Admin', 'root');
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(spec.name ?? '')) throw invalidArgument(`pool name '${spec.name}' is not valid (letters, digits, . _ -)`, { module: 'core.vdi' });
    if (spec.displayName !== undefined) checkObjectName('pool display name', spec.displayName, { max: TEXT_LIMITS.short, module: 'core.vdi' });
    if (spec.type !== 'dedicated' && spec.type !== 'floating' && spec.type !== 'application') throw invalidArgument(`pool type must be 'dedicated', 'floating' or 'application', not '${spec.type}'`, { module: 'core.vdi' });
    const protocols = spec.protocols ?? ['VNC'];
    const bad = protocols.filter((p) => !PROTOCOLS.includes(p));
    if (bad.length || protocols.length === 0) throw invalidArgument(`unknown display protocols: ${bad.join(', ') || '(none given)'}`, { module: 'core.vdi' });
    if (await this.ctx.store.pools.getByName(spec.name)) throw alreadyExists(`desktop pool '${spec.name}' already exists`, { module: 'core.vdi' });
    const vmIds: string[] = [];
    for (const v of spec.vmIds ?? []) vmIds.push((await this.vms.resolve(caller, v)).id);
    const pool: DesktopPool = {
      id: await nextId(this.ctx.store, 'pool'),
      name: spec.name,
      displayName: spec.displayName ?? spec.name,
      type: spec.type,
      vmIds,
      protocols,
      defaultProtocol: spec.defaultProtocol ?? protocols[0]!,
      enabled: true,
      resetAllowed: spec.resetAllowed ?? true,
      createdAt: this.ctx.clock.now().toISOString(),
    };
    await this.ctx.store.pools.insert(pool);
    await this.events.record(pool.id, 'pool.created', `desktop pool '${pool.name}' created with ${vmIds.length} desktops`, { caller });
    return pool;
  }

  async setPoolVms(caller: Caller, ref: string, add: string[], remove: string[]): Promise<DesktopPool> {
    await this.authz.require(caller, 'Desktop.Admin', 'root');
    const p = await this.getPool(caller, ref);
    const addIds: string[] = [];
    for (const v of add) addIds.push((await this.vms.resolve(caller, v)).id);
    const removeIds = new Set<string>();
    for (const v of remove) removeIds.add((await this.vms.resolve(caller, v)).id);
    return this.ctx.store.pools.update(p.id, { vmIds: [...new Set([...p.vmIds, ...addIds])].filter((v) => !removeIds.has(v)) });
  }

  async setPoolEnabled(caller: Caller, ref: string, enabled: boolean): Promise<DesktopPool> {
    await this.authz.require(caller, 'Desktop.Admin', 'root');
    const p = await this.getPool(caller, ref);
    return this.ctx.store.pools.update(p.id, { enabled });
  }

  async deletePool(caller: Caller, ref: string): Promise<void> {
    await this.authz.require(caller, 'Desktop.Admin', 'root');
    const p = await this.getPool(caller, ref);
    await this.ctx.store.transaction(async (tx) => {
      for (const e of await tx.entitlements.listForPool(p.id)) await tx.entitlements.delete(e.id);
      for (const a of await tx.assignments.listForPool(p.id)) await tx.assignments.delete(a.poolId, a.userId);
      for (const s of await tx.desktopSessions.list()) if (s.poolId === p.id) await tx.desktopSessions.delete(s.id);
      for (const a of await tx.applications.list()) if (a.poolId === p.id) await tx.applications.delete(a.id);
      await tx.pools.delete(p.id);
    });
  }

  async listEntitlements(caller: Caller, poolRef: string): Promise<Entitlement[]> {
    await this.authz.require(caller, 'Desktop.Admin', 'root');
    const p = await this.getPool(caller, poolRef);
    return this.ctx.store.entitlements.listForPool(p.id);
  }

  /** Entitles 'user:<name|id>' or 'group:<name|id>' to a pool (stored by id). */
  async entitle(caller: Caller, poolRef: string, who: string): Promise<Entitlement> {
    await this.authz.require(caller, 'Desktop.Admin', 'root');
    const p = await this.getPool(caller, poolRef);
    const principal = await this.identity.resolvePrincipal(who);
    const existing = (await this.ctx.store.entitlements.listForPool(p.id)).find((e) => e.principal === principal);
    if (existing) return existing;
    const e: Entitlement = { id: await nextId(this.ctx.store, 'entitlement'), poolId: p.id, principal, createdAt: this.ctx.clock.now().toISOString() };
    await this.ctx.store.entitlements.insert(e);
    await this.events.record(p.id, 'pool.entitled', `${principal} entitled to '${p.name}'`, { caller });
    return e;
  }

  async unentitle(caller: Caller, poolRef: string, who: string): Promise<void> {
    await this.authz.require(caller, 'Desktop.Admin', 'root');
    const p = await this.getPool(caller, poolRef);
    const principal = await this.identity.resolvePrincipal(who);
    const e = (await this.ctx.store.entitlements.listForPool(p.id)).find((x) => x.principal === principal);
    if (!e) throw notFound(`${principal} is not entitled to '${p.name}'`, { module: 'core.vdi' });
    await this.ctx.store.entitlements.delete(e.id);
  }

  /** The applications published on a pool (any pool kind may be asked; only application pools have some). */
  async listApplications(caller: Caller, poolRef: string): Promise<PublishedApplication[]> {
    await this.authz.require(caller, 'Desktop.Admin', 'root');
    const p = await this.getPool(caller, poolRef);
    return (await this.ctx.store.applications.list()).filter((a) => a.poolId === p.id);
  }

  /** Publishes an application on an application pool; its users are the pool's entitled users. */
  async publishApplication(caller: Caller, poolRef: string, spec: ApplicationSpec): Promise<PublishedApplication> {
    await this.authz.require(caller, 'Desktop.Admin', 'root');
    const p = await this.getPool(caller, poolRef);
    if (p.type !== 'application') throw invalidArgument(`pool '${p.name}' is a ${p.type} desktop pool; applications are published on pools of type 'application'`, { module: 'core.vdi' });
    checkObjectName('application name', spec.name, { max: TEXT_LIMITS.short, module: 'core.vdi' });
    if (typeof spec.path !== 'string' || spec.path.trim() === '' || spec.path.length > 1024 || hasControl(spec.path)) throw invalidArgument('application path must be 1 to 1024 printable characters', { module: 'core.vdi' });
    for (const [what, v] of [['version', spec.version], ['publisher', spec.publisher]] as const) {
      if (v !== undefined && (typeof v !== 'string' || v.length > TEXT_LIMITS.short || hasControl(v))) throw invalidArgument(`application ${what} must be at most ${TEXT_LIMITS.short} printable characters`, { module: 'core.vdi' });
    }
    const icon = spec.icon ?? null;
    if (icon !== null && (typeof icon !== 'string' || icon.length > ICON_MAX || !ICON_SYNTAX.test(icon))) throw invalidArgument(`application icon must be a data:image/…;base64 URL of at most ${ICON_MAX} characters`, { module: 'core.vdi' });
    return this.#serialPerPool(p.id, async () => {
      const mine = (await this.ctx.store.applications.list()).filter((a) => a.poolId === p.id);
      if (mine.some((a) => a.name === spec.name)) throw alreadyExists(`application '${spec.name}' is already published on '${p.name}'`, { module: 'core.vdi' });
      const app: PublishedApplication = {
        id: await nextId(this.ctx.store, 'application'),
        name: spec.name,
        poolId: p.id,
        path: spec.path,
        version: spec.version ?? '',
        publisher: spec.publisher ?? '',
        icon,
        createdAt: this.ctx.clock.now().toISOString(),
      };
      await this.ctx.store.applications.insert(app);
      await this.events.record(p.id, 'pool.applicationPublished', `application '${app.name}' published on '${p.name}'`, { caller });
      return app;
    });
  }

  async unpublishApplication(caller: Caller, poolRef: string, appId: string): Promise<void> {
    await this.authz.require(caller, 'Desktop.Admin', 'root');
    const p = await this.getPool(caller, poolRef);
    const app = await this.ctx.store.applications.get(appId);
    if (!app || app.poolId !== p.id) throw notFound(`application '${appId}' is not published on '${p.name}'`, { module: 'core.vdi' });
    await this.ctx.store.applications.delete(app.id);
    await this.events.record(p.id, 'pool.applicationUnpublished', `application '${app.name}' unpublished from '${p.name}'`, { caller });
  }

  /** The applications the caller may launch (entitlement to an application = entitlement to its pool), with their pools. */
  async entitledApplications(caller: Caller): Promise<{ application: PublishedApplication; pool: DesktopPool }[]> {
    await this.authz.require(caller, 'Desktop.Use', 'root');
    const pools = new Map<string, DesktopPool>();
    for (const pool of await this.ctx.store.pools.list()) if (pool.type === 'application' && (await this.isEntitled(caller, pool))) pools.set(pool.id, pool);
    const out: { application: PublishedApplication; pool: DesktopPool }[] = [];
    for (const a of await this.ctx.store.applications.list()) {
      const pool = pools.get(a.poolId);
      if (pool) out.push({ application: a, pool });
    }
    return out;
  }

  /** Launches a published application: a session on its pool's shared VM (powered on if needed) and its console. */
  async launchApplication(caller: Caller, appId: string, protocol?: DisplayProtocol, opts: { onTask?: (taskId: string) => void } = {}): Promise<ApplicationLaunch> {
    return opened(await this.#startApplication(caller, appId, protocol, opts));
  }

  async #startApplication(caller: Caller, appId: string, protocol: DisplayProtocol | undefined, opts: LaunchOptions): Promise<DesktopStart & { readonly endpoint?: ConsoleEndpoint; readonly application: PublishedApplication }> {
    await this.authz.require(caller, 'Desktop.Use', 'root');
    const app = await this.ctx.store.applications.get(appId);
    const pool = app ? await this.ctx.store.pools.get(app.poolId) : undefined;
    if (!app || !pool || !(await this.isEntitled(caller, pool))) throw unauthorized(`user '${caller.userName}' is not entitled to application '${appId}'`, { module: 'core.vdi' });
    return { ...(await this.#launch(caller, pool, protocol, opts)), application: app };
  }

  private async isEntitled(caller: Caller, pool: DesktopPool): Promise<boolean> {
    if (caller.kind === 'system') return true;
    const mine = new Set([`user:${caller.userId}`, ...caller.groupIds.map((g) => `group:${g}`)]);
    return (await this.ctx.store.entitlements.listForPool(pool.id)).some((e) => mine.has(e.principal));
  }

  /** The caller's own preferences: the global set and one per desktop pool. */
  async userPreferences(caller: Caller): Promise<UserPreferences> {
    await this.authz.require(caller, 'Desktop.Use', 'root');
    return this.#preferences.read(caller.userId);
  }

  /** Replaces the caller's global preferences (the View client sends the whole set). */
  async setUserPreferences(caller: Caller, prefs: Preferences): Promise<void> {
    await this.authz.require(caller, 'Desktop.Use', 'root');
    await this.#preferences.replace(caller.userId, null, checkPreferences(prefs));
  }

  /** Replaces the caller's preferences for one pool they are entitled to (an empty set removes them). */
  async setDesktopPreferences(caller: Caller, poolRef: string, prefs: Preferences): Promise<void> {
    await this.authz.require(caller, 'Desktop.Use', 'root');
    const checked = checkPreferences(prefs);
    const pool = await this.getPool(caller, poolRef);
    if (!(await this.isEntitled(caller, pool))) throw notFound(`desktop pool '${poolRef}' was not found`, { module: 'core.vdi' });
    await this.#preferences.replace(caller.userId, pool.id, checked);
  }

  /** The pools the caller may launch, with the desktop and session they have in each. */
  async entitledDesktops(caller: Caller): Promise<EntitledDesktop[]> {
    await this.authz.require(caller, 'Desktop.Use', 'root');
    const out: EntitledDesktop[] = [];
    const sessions = await this.ctx.store.desktopSessions.listForUser(caller.userId);
    for (const pool of await this.ctx.store.pools.list()) {
      if (pool.type === 'application' || !(await this.isEntitled(caller, pool))) continue;
      const session = sessions.find((s) => s.poolId === pool.id) ?? null;
      const assigned = pool.type === 'dedicated' ? await this.ctx.store.assignments.get(pool.id, caller.userId) : undefined;
      const vmId = session?.vmId ?? assigned?.vmId ?? null;
      out.push({ pool, vm: vmId ? ((await this.ctx.store.vms.get(vmId)) ?? null) : null, session });
    }
    return out;
  }

  /**
   * Everything the caller may launch, desktops first: their entitled desktop pools (with
   * the desktop they have in each) and the applications of their entitled application
   * pools (with the VM of their session there, if any).
   */
  async launchItems(caller: Caller): Promise<LaunchItem[]> {
    const desktops = await this.entitledDesktops(caller);
    const apps = await this.entitledApplications(caller);
    const sessions = await this.ctx.store.desktopSessions.listForUser(caller.userId);
    const out: LaunchItem[] = desktops.map((d) => ({ kind: 'desktop', pool: d.pool, application: null, vm: d.vm }));
    for (const { application, pool } of apps) {
      const session = sessions.find((x) => x.poolId === pool.id);
      out.push({ kind: 'application', pool, application, vm: session ? ((await this.ctx.store.vms.get(session.vmId)) ?? null) : null });
    }
    return out;
  }

  /**
   * Launches what {@link launchItems} lists: a desktop pool, or an application of an
   * application pool (`applicationId`; may be left out when the pool publishes one
   * application the caller may launch). The View broker's launch path, the same checks,
   * but no console is opened: the caller hands out a console proxy ticket instead.
   */
  async launchItem(caller: Caller, poolRef: string, applicationId?: string): Promise<DesktopStart> {
    await this.authz.require(caller, 'Desktop.Use', 'root');
    const pool = await this.getPool(caller, poolRef);
    if (pool.type !== 'application') {
      if (applicationId !== undefined) throw invalidArgument(`pool '${pool.name}' is a ${pool.type} desktop pool: it publishes no application '${applicationId}'`, { module: 'core.vdi' });
      return this.#launch(caller, await this.#entitledDesktopPool(caller, pool), undefined, { console: false });
    }
    let appId = applicationId;
    if (appId === undefined) {
      const mine = (await this.entitledApplications(caller)).filter((a) => a.pool.id === pool.id);
      if (mine.length !== 1) throw invalidArgument(`application pool '${pool.name}' publishes ${mine.length} applications: name the one to launch`, { module: 'core.vdi' });
      appId = mine[0]!.application.id;
    } else {
      const app = await this.ctx.store.applications.get(appId);
      if (!app || app.poolId !== pool.id) throw notFound(`application '${appId}' is not published on '${pool.name}'`, { module: 'core.vdi' });
    }
    return this.#startApplication(caller, appId, undefined, { console: false });
  }

  /**
   * A web launch: {@link launchItem}, then a one-time ticket for the console proxy on the
   * started desktop (an entitled desktop user may open the console of their desktop).
   */
  async launchToConsole(caller: Caller, poolRef: string, applicationId?: string): Promise<DesktopStart & { readonly ticket: ConsoleProxyTicket }> {
    const started = await this.launchItem(caller, poolRef, applicationId);
    return { ...started, ticket: await this.consoles.issueProxyTicket(caller, started.vm.id) };
  }

  /**
   * Launch a desktop: pick the user's VM (dedicated: the assigned one, assigning a free one
   * the first time; floating: the one in session or any free one), power it on if needed,
   * open a desktop session and hand back the console endpoint.
   */
  async launch(caller: Caller, poolRef: string, protocol?: DisplayProtocol, opts: { onTask?: (taskId: string) => void } = {}): Promise<DesktopLaunch> {
    await this.authz.require(caller, 'Desktop.Use', 'root');
    const pool = await this.#entitledDesktopPool(caller, await this.getPool(caller, poolRef));
    return opened(await this.#launch(caller, pool, protocol, opts));
  }

  async #entitledDesktopPool(caller: Caller, pool: DesktopPool): Promise<DesktopPool> {
    if (!(await this.isEntitled(caller, pool))) throw unauthorized(`user '${caller.userName}' is not entitled to desktop pool '${pool.name}'`, { module: 'core.vdi' });
    if (pool.type === 'application') throw invalidArgument(`pool '${pool.name}' publishes applications; launch one of its applications`, { module: 'core.vdi' });
    return pool;
  }

  async #launch(caller: Caller, pool: DesktopPool, protocol: DisplayProtocol | undefined, opts: LaunchOptions): Promise<DesktopStart & { readonly endpoint?: ConsoleEndpoint }> {
    if (!pool.enabled) throw notAllowedInCurrentState(`desktop pool '${pool.name}' is disabled`, { module: 'core.vdi' });
    const proto = protocol ?? pool.defaultProtocol;
    if (!pool.protocols.includes(proto)) throw invalidArgument(`pool '${pool.name}' offers ${pool.protocols.join(', ')}, not ${proto}`, { module: 'core.vdi' });
    const store = this.ctx.store;
    // Pick and reserve under the pool's lock: the session row marks the desktop taken
    // before anything waits (power-on, the console), so two launches never share one.
    const { existing, session: reserved } = await this.#serialPerPool(pool.id, () => this.#reserve(caller, pool, proto));
    let session = reserved;
    let vm: Vm;
    let endpoint: ConsoleEndpoint | undefined;
    try {
      vm = (await store.vms.get(session.vmId))!;
      if (vm.powerState !== 'poweredOn') {
        const op = vm.powerState === 'paused' ? 'unpause' : 'powerOn';
        const task = await this.power.run(SYSTEM_FOR(caller), vm.id, op);
        opts.onTask?.(task.id);
        await this.tasks.result(SYSTEM_FOR(caller), task);
        vm = (await store.vms.get(vm.id))!;
      }
      if (opts.console !== false) {
        const driver = this.rt.driverFor(vm);
        if (!driver.console) throw unsupported(`the ${driver.kind} driver has no console`, { module: 'core.vdi' });
        endpoint = await driver.console(this.rt.driverVm(vm, await this.rt.datastoreOf(vm)), newConsoleTicket());
      }
    } catch (e) {
      // A launch that did not get as far as a console gives its new reservation back.
      if (!existing) await store.desktopSessions.delete(session.id).catch(() => undefined);
      throw e;
    }
    if (existing) session = await store.desktopSessions.update(existing.id, { state: 'connected', protocol: proto, updatedAt: this.ctx.clock.now().toISOString() });
    await this.events.record(vm.id, 'desktop.connected', `${caller.userName} connected to ${vm.name} over ${proto}`, { caller });
    return endpoint ? { pool, vm, session, endpoint } : { pool, vm, session };
  }

  readonly #poolQueues = new Map<string, Promise<unknown>>();

  /** Runs `fn` after every earlier call for the same pool has finished. */
  async #serialPerPool<T>(poolId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#poolQueues.get(poolId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.#poolQueues.set(poolId, tail);
    try {
      return await run;
    } finally {
      if (this.#poolQueues.get(poolId) === tail) this.#poolQueues.delete(poolId);
    }
  }

  /**
   * The caller's desktop session in the pool: the one they have, or a new one on their
   * VM (dedicated: the assigned one, assigning a free one the first time; floating: any
   * free one, a running one first). Call only under the pool's lock.
   */
  async #reserve(caller: Caller, pool: DesktopPool, proto: DisplayProtocol): Promise<{ existing: DesktopSession | null; session: DesktopSession }> {
    const store = this.ctx.store;
    const existing = (await store.desktopSessions.listForUser(caller.userId)).find((s) => s.poolId === pool.id) ?? null;
    if (existing) return { existing, session: existing };
    if (pool.type === 'application') return { existing: null, session: await this.#openSession(caller, pool, await this.#sharedVm(pool), proto) };
    let vmId: string | null = pool.type === 'dedicated' ? ((await store.assignments.get(pool.id, caller.userId))?.vmId ?? null) : null;
    if (!vmId) {
      const taken = new Set<string>();
      for (const a of await store.assignments.listForPool(pool.id)) taken.add(a.vmId);
      const inPool = new Set(pool.vmIds);
      for (const s of await store.desktopSessions.list()) if (s.poolId === pool.id || inPool.has(s.vmId)) taken.add(s.vmId);
      const free = pool.vmIds.filter((v) => !taken.has(v));
      if (free.length === 0) throw resourceExhausted(`desktop pool '${pool.name}' has no free desktop (${pool.vmIds.length} in use)`, { module: 'core.vdi' });
      // Prefer one that already runs.
      const vms = (await Promise.all(free.map((v) => store.vms.get(v)))).filter((v): v is Vm => !!v);
      const pick = vms.find((v) => v.powerState === 'poweredOn') ?? vms.find((v) => v.hostId !== null && !this.ctx.locks.isHeld(v.id)) ?? vms[0];
      if (!pick) throw resourceExhausted(`desktop pool '${pool.name}' has no usable desktop`, { module: 'core.vdi' });
      vmId = pick.id;
      if (pool.type === 'dedicated') await store.assignments.insert({ poolId: pool.id, vmId, userId: caller.userId, createdAt: this.ctx.clock.now().toISOString() });
    }
    return { existing: null, session: await this.#openSession(caller, pool, vmId, proto) };
  }

  async #openSession(caller: Caller, pool: DesktopPool, vmId: string, proto: DisplayProtocol): Promise<DesktopSession> {
    const now = this.ctx.clock.now().toISOString();
    const session: DesktopSession = { id: newGuid(), poolId: pool.id, vmId, userId: caller.userId, protocol: proto, state: 'connected', startedAt: now, updatedAt: now };
    await this.ctx.store.desktopSessions.insert(session);
    return session;
  }

  /** The VM of a multi-session pool that new sessions share: the one in use, else a running one, else the first usable. */
  async #sharedVm(pool: DesktopPool): Promise<string> {
    const store = this.ctx.store;
    const inUse = (await store.desktopSessions.list()).find((s) => s.poolId === pool.id && pool.vmIds.includes(s.vmId));
    if (inUse) return inUse.vmId;
    const vms = (await Promise.all(pool.vmIds.map((v) => store.vms.get(v)))).filter((v): v is Vm => !!v);
    const pick = vms.find((v) => v.powerState === 'poweredOn') ?? vms.find((v) => v.hostId !== null && !this.ctx.locks.isHeld(v.id)) ?? vms[0];
    if (!pick) throw resourceExhausted(`application pool '${pool.name}' has no usable VM`, { module: 'core.vdi' });
    return pick.id;
  }

  async listSessions(caller: Caller): Promise<DesktopSession[]> {
    if (await this.authz.has(caller, 'Desktop.Admin', 'root')) return this.ctx.store.desktopSessions.list();
    return this.ctx.store.desktopSessions.listForUser(caller.userId);
  }

  async disconnect(caller: Caller, sessionId: string): Promise<DesktopSession> {
    const s = await this.ownSession(caller, sessionId);
    return this.ctx.store.desktopSessions.update(s.id, { state: 'disconnected', updatedAt: this.ctx.clock.now().toISOString() });
  }

  /** Ends (logs off) a desktop session; a floating desktop goes back to the pool. */
  async endSession(caller: Caller, sessionId: string): Promise<void> {
    const s = await this.ownSession(caller, sessionId);
    await this.ctx.store.desktopSessions.delete(s.id);
    await this.events.record(s.vmId, 'desktop.sessionEnded', `desktop session ${s.id} ended`, { caller });
  }

  /** Resets the caller's desktop in a pool (View reset-desktop). */
  async resetDesktop(caller: Caller, vmRef: string): Promise<string> {
    const vm = await this.vms.find(vmRef);
    if (!vm) throw notFound(`desktop '${vmRef}' was not found`, { module: 'core.vdi' });
    const mine = (await this.ctx.store.desktopSessions.listForUser(caller.userId)).some((s) => s.vmId === vm.id);
    const admin = await this.authz.has(caller, 'Desktop.Admin', 'root');
    if (!mine && !admin) throw unauthorized(`user '${caller.userName}' has no session on desktop ${vm.id}`, { module: 'core.vdi' });
    const pool = (await this.ctx.store.pools.list()).find((p) => p.vmIds.includes(vm.id));
    if (pool && !pool.resetAllowed && !admin) throw unauthorized(`pool '${pool.name}' does not allow users to reset desktops`, { module: 'core.vdi' });
    // Other users' sessions share an application pool's VM: only an administrator resets it.
    if (!admin && (await this.ctx.store.pools.list()).some((p) => p.type === 'application' && p.vmIds.includes(vm.id))) throw unauthorized(`desktop ${vm.id} is shared by the sessions of application pool users; only an administrator resets it`, { module: 'core.vdi' });
    const task = await this.power.run(SYSTEM_FOR(caller), vm.id, 'reset');
    return task.id;
  }

  private async ownSession(caller: Caller, sessionId: string): Promise<DesktopSession> {
    const s = await this.ctx.store.desktopSessions.get(sessionId);
    if (!s) throw notFound(`desktop session ${sessionId} was not found`, { module: 'core.vdi' });
    if (s.userId !== caller.userId && !(await this.authz.has(caller, 'Desktop.Admin', 'root'))) throw notFound(`desktop session ${sessionId} was not found`, { module: 'core.vdi' });
    return s;
  }
}

/**
 * Power operations a desktop user triggers through the broker run with vmgate's own
 * rights (the user has Desktop.Use, not PowerOps), but stay attributed to the user.
 */
function SYSTEM_FOR(caller: Caller): Caller {
  return { ...caller, kind: 'system' };
}
