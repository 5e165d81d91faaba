import type { Caller, CoreApi, Logger, Session } from '../../core/index.ts';
import { isVmgateError } from '../../core/errors.ts';
import type { LoginResult } from '../../core/identity.ts';
import type { EntitledDesktop } from '../../core/vdi.ts';
import type { AuthScreen, XmlElement, XmlNode } from '../../protocols/view/index.ts';
import { leaf, node, paramValue, readScreen, renderScreen, textAt } from '../../protocols/view/index.ts';
import type { ViewError, ViewErrorCode } from './errors.ts';
import { LAUNCH_ERROR_TABLE, VIEW_ERROR_TABLE, fromThrown, viewError } from './errors.ts';
import type { PreLogin, PreLoginStore } from './session.ts';
import { LOCATION_COOKIE, SESSION_COOKIE, newLocationId, setCookie } from './session.ts';

/** The one Windows domain vmgate offers (its accounts are its own). */
export const DOMAIN = 'VMGATE';

export interface Authenticated {
  readonly token: string;
  readonly caller: Caller;
  readonly session: Session;
}

/** One HTTP request's view of the broker session; operations of a batch share it. */
export interface BrokerState {
  auth: Authenticated | null;
  /** Why the session cookie did not authenticate (expired, ended), for NOT_AUTHENTICATED. */
  authProblem: string | null;
  pre: { readonly id: string; readonly entry: PreLogin } | null;
  readonly setCookies: string[];
}

export interface OpEnv {
  readonly core: CoreApi;
  readonly log: Logger;
  readonly preLogins: PreLoginStore;
  readonly state: BrokerState;
  /** The request came over TLS (cookies get Secure). */
  readonly secure: boolean;
  /** The client's address (login throttling and lockout are keyed to it where core allows). */
  readonly source: string;
}

export interface OpOutcome {
  readonly result: 'ok' | 'partial' | 'error';
  readonly nodes?: readonly XmlNode[];
  readonly error?: ViewError;
  /** The rest of the batch is not executed (a login that did not succeed). */
  readonly halt?: boolean;
}

interface OpDef {
  readonly needsAuth: boolean;
  readonly run: (op: XmlElement, env: OpEnv, auth: Authenticated) => Promise<OpOutcome>;
}

const fail = (code: ViewErrorCode, message: string, userMessage?: string): OpOutcome => ({ result: 'error', error: viewError(code, message, userMessage) });
const ok = (...nodes: XmlNode[]): OpOutcome => ({ result: 'ok', nodes });

/**
 * `core.identity.login` with the client's address as `source` where core takes one (a
 * signature with fewer parameters is assignable to this one, so both compile).
 */
type LoginFn = (userName: string, password: string, face: string, data: Record<string, unknown>, source?: string) => Promise<LoginResult>;

// ---- authentication --------------------------------------------------------------------

function passwordScreen(error?: string, userName = ''): AuthScreen {
  return {
    name: 'windows-password',
    params: [
      ...(userName ? [{ name: 'username', values: [userName] }] : []),
      { name: 'domain', values: [DOMAIN], readonly: true },
      ...(error ? [{ name: 'error', values: [error] }] : []),
    ],
  };
}

async function getConfiguration(_op: XmlElement, env: OpEnv): Promise<OpOutcome> {
  if (env.state.auth) return ok();
  return ok(renderScreen(passwordScreen()));
}

async function setLocale(op: XmlElement, env: OpEnv): Promise<OpOutcome> {
  const locale = textAt(op, 'locale');
  if (!/^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8}){0,2}$/.test(locale)) return fail('INVALID_REQUEST', `locale '${locale.slice(0, 32)}' is not a locale name (en_US, de_DE, …)`);
  if (env.state.auth) await env.core.identity.updateSessionData(env.state.auth.session.id, { locale });
  else if (env.state.pre) env.state.pre.entry.locale = locale;
  return ok();
}

async function submitAuthentication(op: XmlElement, env: OpEnv): Promise<OpOutcome> {
  if (env.state.auth) return { ...fail('ALREADY_AUTHENTICATED', `already logged in as '${env.state.auth.caller.userName}'; log out first`), halt: true };
  const screen = readScreen(op);
  if (!screen) return { result: 'partial', nodes: [renderScreen(passwordScreen('Send the windows-password screen.'))], halt: true };
  if (screen.name !== 'windows-password') {
    return { result: 'partial', nodes: [renderScreen(passwordScreen(`The '${screen.name.slice(0, 40)}' screen is not offered; log in with a user name and password.`))], halt: true };
  }
  let userName = paramValue(screen, 'username').trim();
  const password = paramValue(screen, 'password');
  const domain = paramValue(screen, 'domain').trim();
  const slash = userName.indexOf('\\');
  const named = slash >= 0 ? userName.slice(0, slash) : domain;
  if (slash >= 0) userName = userName.slice(slash + 1);
  if (named !== '' && named.toUpperCase() !== DOMAIN) return { result: 'partial', nodes: [renderScreen(passwordScreen(`Unknown domain '${named.slice(0, 64)}'.`, userName))], halt: true };
  if (userName === '' || password === '') return { result: 'partial', nodes: [renderScreen(passwordScreen('Enter a user name and password.', userName))], halt: true };
  const login: LoginFn = env.core.identity.login.bind(env.core.identity);
  let r: LoginResult;
  try {
    r = await login(userName, password, 'view', { locale: env.state.pre?.entry.locale ?? null }, env.source);
  } catch (e) {
    if (isVmgateError(e) && e.kind === 'unauthenticated') {
      if (e.reason === 'account_locked') return { ...fail('AUTHENTICATION_FAILED', e.message, 'Your account is locked after too many failed logins. Try again later or ask an administrator to unlock it.'), halt: true };
      return { result: 'partial', nodes: [renderScreen(passwordScreen('Unknown user name or bad password.', userName))], halt: true };
    }
    throw e;
  }
  if (env.state.pre) env.preLogins.delete(env.state.pre.id);
  env.state.pre = null;
  env.state.auth = { token: r.token, caller: r.caller, session: r.session };
  env.state.authProblem = null;
  env.state.setCookies.push(setCookie(SESSION_COOKIE, r.token, { secure: env.secure }), setCookie(LOCATION_COOKIE, newLocationId(), { secure: env.secure }));
  const s = r.session;
  const maxSeconds = Math.round((Date.parse(s.expiresAt) - Date.parse(s.createdAt)) / 1000);
  return ok(
    leaf('user-sid', r.caller.userId),
    leaf('user-name', r.caller.userName),
    leaf('domain-name', DOMAIN),
    leaf('user-activity-interval', Math.max(1, Math.floor(s.idleSeconds / 2))),
    leaf('idle-timeout', s.idleSeconds),
    leaf('max-broker-session-time', maxSeconds),
  );
}

async function authenticationStatus(_op: XmlElement, env: OpEnv): Promise<OpOutcome> {
  const a = env.state.auth;
  if (!a) return { result: 'partial', nodes: [renderScreen(passwordScreen())] };
  const idleEnd = Date.parse(a.session.lastUsedAt) + a.session.idleSeconds * 1000;
  return ok(leaf('user-name', a.caller.userName), leaf('domain-name', DOMAIN), leaf('idle-timeout', a.session.idleSeconds), leaf('session-expires', a.session.expiresAt), leaf('idle-expires', new Date(idleEnd).toISOString()));
}

async function logout(_op: XmlElement, env: OpEnv, auth: Authenticated): Promise<OpOutcome> {
  await env.core.identity.logout(auth.caller);
  env.state.auth = null;
  env.state.setCookies.push(setCookie(SESSION_COOKIE, '', { secure: env.secure, maxAge: 0 }), setCookie(LOCATION_COOKIE, '', { secure: env.secure, maxAge: 0 }));
  return ok();
}

// ---- desktops ------------------------------------------------------------------------------

function desktopNode(d: EntitledDesktop): XmlNode {
  const p = d.pool;
  const state = d.session ? d.session.state : p.enabled ? 'available' : 'disabled';
  return node(
    'desktop',
    leaf('id', p.id),
    leaf('name', p.displayName),
    leaf('type', p.type),
    leaf('state', state),
    leaf('session-id', d.session?.id ?? ''),
    leaf('reset-allowed', p.resetAllowed),
    leaf('reset-allowed-on-session', p.resetAllowed && d.session !== null),
    leaf('in-maintenance-mode', false),
    leaf('offline-state', 'online'),
    node('protocols', ...p.protocols.map((name) => node('protocol', leaf('name', name), leaf('is-default', name === p.defaultProtocol)))),
    node('user-preferences'),
  );
}

async function getDesktops(_op: XmlElement, env: OpEnv, auth: Authenticated): Promise<OpOutcome> {
  const list = await env.core.vdi.entitledDesktops(auth.caller);
  return ok(...list.map(desktopNode));
}

async function getLaunchItems(_op: XmlElement, env: OpEnv, auth: Authenticated): Promise<OpOutcome> {
  const list = await env.core.vdi.entitledDesktops(auth.caller);
  return ok(node('desktops', ...list.map(desktopNode)), node('applications'), node('application-sessions'), node('shadow-sessions'));
}

const PROTOCOL_NAMES: ReadonlyMap<string, 'VNC' | 'RDP' | 'BLAST' | 'PCOIP'> = new Map([
  ['VNC', 'VNC'],
  ['RDP', 'RDP'],
  ['BLAST', 'BLAST'],
  ['PCOIP', 'PCOIP'],
]);

async function getDesktopConnection(op: XmlElement, env: OpEnv, auth: Authenticated): Promise<OpOutcome> {
  const id = textAt(op, 'desktop-id');
  if (id === '') return fail('INVALID_REQUEST', 'desktop-id is missing');
  const asked = textAt(op, 'protocol', 'name').toUpperCase();
  const protocol = asked === '' ? undefined : PROTOCOL_NAMES.get(asked);
  if (asked !== '' && !protocol) return fail('DESKTOP_LAUNCH_ERROR', `display protocol '${asked.slice(0, 32)}' is not known`, `The desktop could not be launched: protocol ${asked.slice(0, 32)} is not offered.`);
  let launch;
  try {
    launch = await env.core.vdi.launch(auth.caller, id, protocol);
  } catch (e) {
    const err = fromThrown(e, LAUNCH_ERROR_TABLE);
    if (err.internal) env.log.error({ err: e, desktop: id }, 'View desktop launch failed');
    return { result: 'error', error: err };
  }
  const ep = launch.endpoint;
  const token = ep.password ?? '';
  return ok(
    leaf('id', launch.pool.id),
    leaf('address', ep.host),
    leaf('port', ep.port),
    leaf('protocol', ep.protocol),
    leaf('session-id', launch.session.id),
    leaf('user-name', auth.caller.userName),
    leaf('domain-name', DOMAIN),
    leaf('enable-usb', false),
    leaf('enable-mmr', false),
    node('protocol-settings', leaf('token', token)),
  );
}

async function getTunnelConnection(): Promise<OpOutcome> {
  return ok(leaf('bypass-tunnel', true));
}

async function killSession(op: XmlElement, env: OpEnv, auth: Authenticated): Promise<OpOutcome> {
  const id = textAt(op, 'session-id');
  if (id === '') return fail('INVALID_REQUEST', 'session-id is missing');
  await env.core.vdi.endSession(auth.caller, id);
  return ok();
}

async function resetDesktop(op: XmlElement, env: OpEnv, auth: Authenticated): Promise<OpOutcome> {
  const id = textAt(op, 'desktop-id');
  if (id === '') return fail('INVALID_REQUEST', 'desktop-id is missing');
  const mine = (await env.core.vdi.entitledDesktops(auth.caller)).find((d) => d.pool.id === id);
  if (!mine) return fail('NOT_ENTITLED', `desktop '${id.slice(0, 64)}' is not one of yours`);
  if (!mine.vm || !mine.session) return fail('OPERATION_FAILED', `you have no session on desktop '${mine.pool.displayName}' to reset`, 'There is no running desktop to reset.');
  await env.core.vdi.resetDesktop(auth.caller, mine.vm.id);
  return ok();
}

async function getUserGlobalPreferences(): Promise<OpOutcome> {
  // No preferences are stored yet: an empty set is the true answer.
  return ok(node('preferences'));
}

const notBuilt = (what: string) => async (): Promise<OpOutcome> => fail('NOT_SUPPORTED', `${what} is not supported by vmgate yet`);

/** Every operation the face answers. A Map: an operation name never reaches an object's prototype. */
export const OPERATIONS: ReadonlyMap<string, OpDef> = new Map<string, OpDef>([
  ['get-configuration', { needsAuth: false, run: getConfiguration }],
  ['set-locale', { needsAuth: false, run: setLocale }],
  ['do-submit-authentication', { needsAuth: false, run: submitAuthentication }],
  ['get-authentication-status', { needsAuth: false, run: authenticationStatus }],
  ['do-logout', { needsAuth: true, run: logout }],
  ['get-tunnel-connection', { needsAuth: true, run: getTunnelConnection }],
  ['get-desktops', { needsAuth: true, run: getDesktops }],
  ['get-launch-items', { needsAuth: true, run: getLaunchItems }],
  ['get-desktop-connection', { needsAuth: true, run: getDesktopConnection }],
  ['kill-session', { needsAuth: true, run: killSession }],
  ['reset-desktop', { needsAuth: true, run: resetDesktop }],
  ['get-user-global-preferences', { needsAuth: true, run: getUserGlobalPreferences }],
  ['set-user-global-preferences', { needsAuth: true, run: notBuilt('storing user preferences') }],
  ['set-user-desktop-preferences', { needsAuth: true, run: notBuilt('storing desktop preferences') }],
  ['get-application-connection', { needsAuth: true, run: notBuilt('launching published applications') }],
  ['get-application-session-connection', { needsAuth: true, run: notBuilt('launching published applications') }],
  ['rollback-checkout-desktop', { needsAuth: true, run: notBuilt('checking out (offline) desktops') }],
  ['do-lock', { needsAuth: true, run: notBuilt('locking the broker session') }],
]);

/** Runs one operation: authentication first where needed, core errors through the face's table. */
export async function runOperation(name: string, op: XmlElement, env: OpEnv): Promise<OpOutcome> {
  const def = OPERATIONS.get(name);
  if (!def) return fail('PROTOCOL_ERROR', `unknown operation '${name.slice(0, 64)}'`);
  const auth = env.state.auth;
  if (def.needsAuth && !auth) return fail('NOT_AUTHENTICATED', env.state.authProblem ?? `log in before '${name}'`);
  try {
    return await def.run(op, env, auth!);
  } catch (e) {
    const err = fromThrown(e, VIEW_ERROR_TABLE);
    if (err.internal) env.log.error({ err: e, operation: name }, 'View broker operation failed');
    return { result: 'error', error: err };
  }
}

/** `<reply-name><result>…</result>…</reply-name>` for one outcome. */
export function renderOutcome(replyName: string, o: OpOutcome | 'notexecuted'): XmlNode {
  if (o === 'notexecuted') return node(replyName, leaf('result', 'notexecuted'));
  const err = o.error ? [leaf('error-code', o.error.code), leaf('error-message', o.error.message), leaf('user-message', o.error.userMessage)] : [];
  return node(replyName, leaf('result', o.result), ...err, ...(o.nodes ?? []));
}

