import type { Caller, CoreApi, Logger, Session } from '../../core/index.ts';
import { isVmgateError } from '../../core/errors.ts';
import type { LoginResult } from '../../core/identity.ts';
import type { DesktopLaunch, EntitledDesktop } from '../../core/vdi.ts';
import type { DesktopPool, DisplayProtocol, PublishedApplication } from '../../core/model/index.ts';
import type { Preferences } from '../../core/vdi-preferences.ts';
import type { AuthScreen, XmlElement, XmlNode } from '../../protocols/view/index.ts';
import { child, children, leaf, node, paramValue, readScreen, renderScreen, textAt } from '../../protocols/view/index.ts';
import type { ViewError, ViewErrorCode } from './errors.ts';
import { LAUNCH_ERROR_TABLE, VIEW_ERROR_TABLE, fromThrown, viewError } from './errors.ts';
import type { PreLogin, PreLoginStore } from './session.ts';
import { LOCATION_COOKIE, SESSION_COOKIE, newLocationId, setCookie } from './session.ts';

/** The Windows domain offered when the server is not given `--view-domains`. */
export const DEFAULT_DOMAIN = 'VMGATE';

/** The face's settings (src/server/config.ts: --view-domains, --view-disclaimer). */
export interface BrokerConfig {
  /** Domains offered at login, the first the default; never empty. */
  readonly domains: readonly string[];
  /** The disclaimer users accept before the password screen, or null. */
  readonly disclaimer: string | null;
}

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
  readonly config: BrokerConfig;
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

const param = (name: string, value: string, readonly = false) => ({ name, values: [value], ...(readonly ? { readonly: true } : {}) });
const errorParam = (error?: string) => (error ? [param('error', error)] : []);

function passwordScreen(env: OpEnv, error?: string, userName = ''): AuthScreen {
  const domains = env.config.domains;
  return {
    name: 'windows-password',
    params: [...(userName ? [param('username', userName)] : []), { name: 'domain', values: domains, ...(domains.length === 1 ? { readonly: true } : {}) }, ...errorParam(error)],
  };
}

function disclaimerScreen(env: OpEnv, error?: string): AuthScreen {
  return { name: 'disclaimer', params: [param('text', env.config.disclaimer ?? '', true), ...errorParam(error)] };
}

function expiredScreen(expired: { userName: string; domain: string }, error?: string): AuthScreen {
  return { name: 'windows-password-expired', params: [param('username', expired.userName, true), param('domain', expired.domain, true), ...errorParam(error)] };
}

/** The screen the client has to fill in next: the disclaimer until accepted, an expired password's change, else the password. */
function nextScreen(env: OpEnv, error?: string): AuthScreen {
  const pre = env.state.pre?.entry;
  if (env.config.disclaimer !== null && !pre?.disclaimerAccepted) return disclaimerScreen(env, error);
  if (pre?.expired) return expiredScreen(pre.expired, error);
  return passwordScreen(env, error);
}

/** `partial` with a screen; the rest of the batch is not executed (not logged in). */
const screenReply = (screen: AuthScreen): OpOutcome => ({ result: 'partial', nodes: [renderScreen(screen)], halt: true });

const LOCKED_MESSAGE = 'Your account is locked after too many failed logins. Try again later or ask an administrator to unlock it.';
const THROTTLED_MESSAGE = 'Too many logins are in progress from your address. Try again later.';

/** The domain the session logged in with (the first offered one for sessions older than the setting). */
function sessionDomain(env: OpEnv, auth: Authenticated): string {
  const d = auth.session.data.domain;
  return typeof d === 'string' && env.config.domains.some((x) => x.toUpperCase() === d.toUpperCase()) ? d : env.config.domains[0]!;
}

async function getConfiguration(_op: XmlElement, env: OpEnv): Promise<OpOutcome> {
  if (env.state.auth) return ok();
  return ok(renderScreen(nextScreen(env)));
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
  if (!screen) return screenReply(nextScreen(env, `Send the ${nextScreen(env).name} screen.`));
  switch (screen.name) {
    case 'disclaimer':
      return submitDisclaimer(screen, env);
    case 'windows-password':
      return submitPassword(screen, env);
    case 'windows-password-expired':
      return submitExpired(screen, env);
    default:
      return screenReply(nextScreen(env, `The '${screen.name.slice(0, 40)}' screen is not offered; log in with a user name and password.`));
  }
}

async function submitDisclaimer(screen: AuthScreen, env: OpEnv): Promise<OpOutcome> {
  const pre = env.state.pre!.entry;
  if (env.config.disclaimer === null) return screenReply(nextScreen(env, 'There is no disclaimer to accept; log in with a user name and password.'));
  if (paramValue(screen, 'accept').trim().toLowerCase() !== 'true') {
    pre.disclaimerAccepted = false;
    return screenReply(disclaimerScreen(env, 'Accept the disclaimer to log in.'));
  }
  pre.disclaimerAccepted = true;
  return screenReply(nextScreen(env));
}

async function submitPassword(screen: AuthScreen, env: OpEnv): Promise<OpOutcome> {
  const pre = env.state.pre!.entry;
  if (env.config.disclaimer !== null && !pre.disclaimerAccepted) return screenReply(disclaimerScreen(env, 'Accept the disclaimer before you log in.'));
  // A password screen starts over: an earlier account's expired password is no longer the question.
  pre.expired = null;
  let userName = paramValue(screen, 'username').trim();
  const password = paramValue(screen, 'password');
  const slash = userName.indexOf('\\');
  const named = slash >= 0 ? userName.slice(0, slash) : paramValue(screen, 'domain').trim();
  if (slash >= 0) userName = userName.slice(slash + 1);
  const domains = env.config.domains;
  const domain = named === '' ? domains[0]! : domains.find((d) => d.toUpperCase() === named.toUpperCase());
  if (domain === undefined) return screenReply(passwordScreen(env, `Unknown domain '${named.slice(0, 64)}'. Choose ${domains.length === 1 ? domains[0] : `one of ${domains.join(', ')}`}.`, userName));
  if (userName === '' || password === '') return screenReply(passwordScreen(env, 'Enter a user name and password.', userName));
  const login: LoginFn = env.core.identity.login.bind(env.core.identity);
  let r: LoginResult;
  try {
    r = await login(userName, password, 'view', { locale: pre.locale, domain }, env.source);
  } catch (e) {
    if (isVmgateError(e) && e.kind === 'unauthenticated') {
      if (e.reason === 'account_locked') return { ...fail('AUTHENTICATION_FAILED', e.message, LOCKED_MESSAGE), halt: true };
      if (e.reason === 'login_throttled') return { ...fail('AUTHENTICATION_FAILED', e.message, THROTTLED_MESSAGE), halt: true };
      if (e.reason === 'password_expired') {
        pre.expired = { userName, domain };
        return screenReply(expiredScreen(pre.expired, 'Your password has expired. Choose a new one.'));
      }
      return screenReply(passwordScreen(env, 'Unknown user name or bad password.', userName));
    }
    throw e;
  }
  return loggedIn(env, r, domain);
}

async function submitExpired(screen: AuthScreen, env: OpEnv): Promise<OpOutcome> {
  const pre = env.state.pre!.entry;
  const expired = pre.expired;
  if (!expired) return screenReply(nextScreen(env, 'Log in with your current password first.'));
  const oldPassword = paramValue(screen, 'oldPassword');
  const new1 = paramValue(screen, 'newPassword1');
  const new2 = paramValue(screen, 'newPassword2');
  if (oldPassword === '' || new1 === '') return screenReply(expiredScreen(expired, 'Enter your current password and the new one twice.'));
  if (new1 !== new2) return screenReply(expiredScreen(expired, 'The new passwords do not match.'));
  let r: LoginResult;
  try {
    r = await env.core.identity.changeExpiredPassword(expired.userName, oldPassword, new1, 'view', { locale: pre.locale, domain: expired.domain }, env.source);
  } catch (e) {
    if (isVmgateError(e) && e.kind === 'unauthenticated') {
      if (e.reason === 'account_locked') return { ...fail('AUTHENTICATION_FAILED', e.message, LOCKED_MESSAGE), halt: true };
      if (e.reason === 'login_throttled') return { ...fail('AUTHENTICATION_FAILED', e.message, THROTTLED_MESSAGE), halt: true };
      return screenReply(expiredScreen(expired, 'Your current password is not right.'));
    }
    // An administrator lifted "must change" meanwhile: the password is good as it is.
    if (isVmgateError(e) && e.kind === 'not_allowed_in_current_state') {
      pre.expired = null;
      return screenReply(passwordScreen(env, 'Your password no longer has to be changed: log in with it.', expired.userName));
    }
    // The password policy (too short, the same as before): core's words.
    if (isVmgateError(e) && e.kind === 'invalid_argument') return screenReply(expiredScreen(expired, `The new password is not accepted: ${e.message}.`));
    throw e;
  }
  return loggedIn(env, r, expired.domain);
}

/** The session is core's now: the cookies change, the pre-login state goes. */
function loggedIn(env: OpEnv, r: LoginResult, domain: string): OpOutcome {
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
    leaf('domain-name', domain),
    leaf('user-activity-interval', Math.max(1, Math.floor(s.idleSeconds / 2))),
    leaf('idle-timeout', s.idleSeconds),
    leaf('max-broker-session-time', maxSeconds),
  );
}

async function authenticationStatus(_op: XmlElement, env: OpEnv): Promise<OpOutcome> {
  const a = env.state.auth;
  if (!a) return { result: 'partial', nodes: [renderScreen(nextScreen(env))] };
  const idleEnd = Date.parse(a.session.lastUsedAt) + a.session.idleSeconds * 1000;
  return ok(leaf('user-name', a.caller.userName), leaf('domain-name', sessionDomain(env, a)), leaf('idle-timeout', a.session.idleSeconds), leaf('session-expires', a.session.expiresAt), leaf('idle-expires', new Date(idleEnd).toISOString()));
}

async function logout(_op: XmlElement, env: OpEnv, auth: Authenticated): Promise<OpOutcome> {
  await env.core.identity.logout(auth.caller);
  env.state.auth = null;
  env.state.setCookies.push(setCookie(SESSION_COOKIE, '', { secure: env.secure, maxAge: 0 }), setCookie(LOCATION_COOKIE, '', { secure: env.secure, maxAge: 0 }));
  return ok();
}

// ---- desktops ------------------------------------------------------------------------------

/** `<preference name="n">v</preference>` for each pair. */
function preferenceNodes(prefs: Preferences | undefined): XmlNode[] {
  return (prefs ?? []).map(([name, value]) => ({ name: 'preference', attrs: { name }, text: value }));
}

/** The pairs of a request's `<preferences>` (null when the element is missing). */
function readPreferences(op: XmlElement): Preferences | null {
  const el = child(op, 'preferences');
  if (!el) return null;
  return children(el, 'preference').map((p) => [p.attrs.get('name') ?? '', p.text] as const);
}

function desktopNode(d: EntitledDesktop, prefs?: Preferences): XmlNode {
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
    node('user-preferences', ...preferenceNodes(prefs)),
  );
}

/** The user's desktops, each with its preferences. */
async function desktopNodes(env: OpEnv, auth: Authenticated): Promise<XmlNode[]> {
  const list = await env.core.vdi.entitledDesktops(auth.caller);
  const prefs = await env.core.vdi.userPreferences(auth.caller);
  return list.map((d) => desktopNode(d, prefs.desktops.get(d.pool.id)));
}

async function getDesktops(_op: XmlElement, env: OpEnv, auth: Authenticated): Promise<OpOutcome> {
  return ok(...(await desktopNodes(env, auth)));
}

/** A data: URL's image size is not known to the broker: the client scales the icon (32×32 asked). */
const ICON_SIZE = 32;

function applicationNode(a: PublishedApplication, p: DesktopPool): XmlNode {
  return node(
    'application',
    leaf('id', a.id),
    leaf('name', a.name),
    leaf('type', 'remote'),
    leaf('version', a.version),
    leaf('publisher', a.publisher),
    leaf('launch-path', a.path),
    node('icons', ...(a.icon === null ? [] : [node('icon', leaf('path', a.icon), leaf('width', ICON_SIZE), leaf('height', ICON_SIZE))])),
    node('protocols', ...p.protocols.map((name) => node('protocol', leaf('name', name), leaf('is-default', name === p.defaultProtocol)))),
    leaf('multi-session-mode', 'enabled'),
  );
}

async function getLaunchItems(_op: XmlElement, env: OpEnv, auth: Authenticated): Promise<OpOutcome> {
  const apps = await env.core.vdi.entitledApplications(auth.caller);
  return ok(node('desktops', ...(await desktopNodes(env, auth))), node('applications', ...apps.map((a) => applicationNode(a.application, a.pool))), node('application-sessions'), node('shadow-sessions'));
}

const PROTOCOL_NAMES: ReadonlyMap<string, DisplayProtocol> = new Map([
  ['VNC', 'VNC'],
  ['RDP', 'RDP'],
  ['BLAST', 'BLAST'],
  ['PCOIP', 'PCOIP'],
]);

/** What a desktop or an application connection launches: the request's id element, the noun, core's launch. */
interface LaunchKind {
  readonly idElement: 'desktop-id' | 'application-id';
  readonly noun: 'desktop' | 'application';
  launch(env: OpEnv, auth: Authenticated, id: string, protocol: DisplayProtocol | undefined): Promise<{ readonly replyId: string; readonly launch: DesktopLaunch }>;
}

const DESKTOP_LAUNCH: LaunchKind = {
  idElement: 'desktop-id',
  noun: 'desktop',
  async launch(env, auth, id, protocol) {
    const launch = await env.core.vdi.launch(auth.caller, id, protocol);
    return { replyId: launch.pool.id, launch };
  },
};

/** The application's pool's shared VM, its console and a one-time token. */
const APPLICATION_LAUNCH: LaunchKind = {
  idElement: 'application-id',
  noun: 'application',
  async launch(env, auth, id, protocol) {
    const launch = await env.core.vdi.launchApplication(auth.caller, id, protocol);
    return { replyId: launch.application.id, launch };
  },
};

/** get-desktop-connection / get-application-connection: launch through core, answer the console and a one-time token. */
async function getConnection(kind: LaunchKind, op: XmlElement, env: OpEnv, auth: Authenticated): Promise<OpOutcome> {
  const id = textAt(op, kind.idElement);
  if (id === '') return fail('INVALID_REQUEST', `${kind.idElement} is missing`);
  const asked = textAt(op, 'protocol', 'name').toUpperCase();
  const protocol = asked === '' ? undefined : PROTOCOL_NAMES.get(asked);
  if (asked !== '' && !protocol) return fail('DESKTOP_LAUNCH_ERROR', `display protocol '${asked.slice(0, 32)}' is not known`, `The ${kind.noun} could not be launched: protocol ${asked.slice(0, 32)} is not offered.`);
  let launched;
  try {
    launched = await kind.launch(env, auth, id, protocol);
  } catch (e) {
    const err = fromThrown(e, LAUNCH_ERROR_TABLE);
    if (err.internal) env.log.error({ err: e, [kind.noun]: id }, `View ${kind.noun} launch failed`);
    return { result: 'error', error: err };
  }
  return connectionReply(env, auth, launched.replyId, launched.launch);
}

const getDesktopConnection = (op: XmlElement, env: OpEnv, auth: Authenticated): Promise<OpOutcome> => getConnection(DESKTOP_LAUNCH, op, env, auth);
const getApplicationConnection = (op: XmlElement, env: OpEnv, auth: Authenticated): Promise<OpOutcome> => getConnection(APPLICATION_LAUNCH, op, env, auth);

function connectionReply(env: OpEnv, auth: Authenticated, id: string, launch: DesktopLaunch): OpOutcome {
  const ep = launch.endpoint;
  const token = ep.password ?? '';
  return ok(
    leaf('id', id),
    leaf('address', ep.host),
    leaf('port', ep.port),
    leaf('protocol', ep.protocol),
    leaf('session-id', launch.session.id),
    leaf('user-name', auth.caller.userName),
    leaf('domain-name', sessionDomain(env, auth)),
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

async function getUserGlobalPreferences(_op: XmlElement, env: OpEnv, auth: Authenticated): Promise<OpOutcome> {
  const prefs = await env.core.vdi.userPreferences(auth.caller);
  return ok(node('preferences', ...preferenceNodes(prefs.global)));
}

async function setUserGlobalPreferences(op: XmlElement, env: OpEnv, auth: Authenticated): Promise<OpOutcome> {
  const prefs = readPreferences(op);
  if (prefs === null) return fail('INVALID_REQUEST', 'preferences is missing');
  await env.core.vdi.setUserPreferences(auth.caller, prefs);
  return ok();
}

async function setUserDesktopPreferences(op: XmlElement, env: OpEnv, auth: Authenticated): Promise<OpOutcome> {
  const id = textAt(op, 'desktop-id');
  if (id === '') return fail('INVALID_REQUEST', 'desktop-id is missing');
  const prefs = readPreferences(op);
  if (prefs === null) return fail('INVALID_REQUEST', 'preferences is missing');
  await env.core.vdi.setDesktopPreferences(auth.caller, id, prefs);
  return ok();
}

async function rollbackCheckout(): Promise<OpOutcome> {
  return fail('NOT_SUPPORTED', 'vmgate has no local (offline, checked-out) desktops: there is no checkout to roll back', 'Local (offline) desktops are not supported by this server.');
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
  ['set-user-global-preferences', { needsAuth: true, run: setUserGlobalPreferences }],
  ['set-user-desktop-preferences', { needsAuth: true, run: setUserDesktopPreferences }],
  ['get-application-connection', { needsAuth: true, run: getApplicationConnection }],
  ['get-application-session-connection', { needsAuth: true, run: notBuilt('reconnecting to an application session') }],
  ['rollback-checkout-desktop', { needsAuth: true, run: rollbackCheckout }],
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

