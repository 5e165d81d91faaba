/**
 * A unit test of the View broker face's authentication operations alone (core replaced by
 * a stub that answers or throws what core does): every screen the client is sent next and
 * its error text, domains (DOMAIN\user, any case, unknown), each core refusal's View
 * reply, the expired-password screen's checks, what a login reply carries, the
 * authentication status, set-locale, and operations that need a login. Hand-written
 * expectations from docs/faces/view.md.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CoreApi } from '../../../src/core/index.ts';
import type { LoginResult } from '../../../src/core/identity.ts';
import { silentLogger } from '../../../src/core/context.ts';
import { invalidArgument, notAllowedInCurrentState, notFound, unauthenticated } from '../../../src/core/errors.ts';
import { children, parseXml, readScreen, renderBroker, textAt } from '../../../src/protocols/view/index.ts';
import type { XmlElement } from '../../../src/protocols/view/index.ts';
import type { BrokerState, OpEnv, OpOutcome } from '../../../src/faces/view/ops.ts';
import { renderOutcome, runOperation } from '../../../src/faces/view/ops.ts';
import { PreLoginStore } from '../../../src/faces/view/session.ts';

type Call = { fn: string; args: unknown[] };

const RESULT: LoginResult = {
  token: 'tok-123',
  caller: { kind: 'user', userId: 'user-7', userName: 'ann', groupIds: [], sessionId: 'sess-1' },
  session: { id: 'sess-1', userId: 'user-7', userName: 'ann', face: 'view', createdAt: '2026-05-01T10:00:00.000Z', lastUsedAt: '2026-05-01T10:00:00.000Z', expiresAt: '2026-05-01T22:00:00.000Z', idleSeconds: 1801, data: { domain: 'corp' } },
};

/** An environment with a stub core; `answer` decides what login/changeExpiredPassword do. */
function envOf(opts: { domains?: string[]; disclaimer?: string | null; answer?: () => Promise<LoginResult>; auth?: BrokerState['auth']; authProblem?: string | null; secure?: boolean } = {}) {
  const calls: Call[] = [];
  const answer = opts.answer ?? (() => Promise.resolve(RESULT));
  const identity = {
    login: (...args: unknown[]) => (calls.push({ fn: 'login', args }), answer()),
    changeExpiredPassword: (...args: unknown[]) => (calls.push({ fn: 'changeExpiredPassword', args }), answer()),
    logout: (...args: unknown[]) => (calls.push({ fn: 'logout', args }), Promise.resolve()),
    updateSessionData: (...args: unknown[]) => (calls.push({ fn: 'updateSessionData', args }), Promise.resolve()),
  };
  const preLogins = new PreLoginStore(() => 0);
  const pre = opts.auth ? null : preLogins.create();
  const state: BrokerState = { auth: opts.auth ?? null, authProblem: opts.authProblem ?? null, pre, setCookies: [] };
  const env: OpEnv = { core: { identity } as unknown as CoreApi, log: silentLogger, config: { domains: opts.domains ?? ['VMGATE'], disclaimer: opts.disclaimer ?? null }, preLogins, state, secure: opts.secure ?? true, source: '198.51.100.4' };
  return { env, calls, state, preLogins, pre };
}

const opOf = (xml: string): XmlElement => {
  const d = parseXml(xml);
  assert.ok(d.ok);
  return d.root;
};
const screenOp = (name: string, params: Record<string, string>) =>
  opOf(`<do-submit-authentication><screen><name>${name}</name><params>${Object.entries(params)
    .map(([k, v]) => `<param><name>${k}</name><values><value>${v}</value></values></param>`)
    .join('')}</params></screen></do-submit-authentication>`);
const password = (params: Record<string, string>) => screenOp('windows-password', params);

/** The outcome as the client reads it. */
function read(o: OpOutcome): { result: string; code: string; message: string; user: string; halt: boolean; screen: ReturnType<typeof readScreen>; leaves: Record<string, string> } {
  const d = parseXml(renderBroker('15.0', [renderOutcome('r', o)]));
  assert.ok(d.ok);
  const r = d.root.children[0]!;
  const leaves: Record<string, string> = {};
  for (const c of r.children) if (c.children.length === 0 && !['result', 'error-code', 'error-message', 'user-message'].includes(c.name)) leaves[c.name] = c.text;
  return { result: textAt(r, 'result'), code: textAt(r, 'error-code'), message: textAt(r, 'error-message'), user: textAt(r, 'user-message'), halt: o.halt === true, screen: readScreen(children(r, 'authentication')[0]), leaves };
}

const pwScreen = (error?: string, userName?: string, domains: string[] = ['VMGATE']) => ({
  name: 'windows-password',
  params: [...(userName ? [{ name: 'username', values: [userName] }] : []), { name: 'domain', values: domains, ...(domains.length === 1 ? { readonly: true } : {}) }, ...(error ? [{ name: 'error', values: [error] }] : [])],
});
const expiredScreen = (userName: string, domain: string, error?: string) => ({
  name: 'windows-password-expired',
  params: [
    { name: 'username', values: [userName], readonly: true },
    { name: 'domain', values: [domain], readonly: true },
    ...(error ? [{ name: 'error', values: [error] }] : []),
  ],
});

describe('View login: the password screen', () => {
  it('a login: core is asked with the face, locale, domain and the client address; the reply carries the session’s figures and two cookies', async () => {
    const { env, calls, state, preLogins, pre } = envOf({ domains: ['corp', 'lab'], secure: true });
    pre!.entry.locale = 'de_DE';
    const r = read(await runOperation('do-submit-authentication', password({ username: ' ann ', password: 'pw 1', domain: 'CORP' }), env));
    assert.deepEqual(calls, [{ fn: 'login', args: ['ann', 'pw 1', 'view', { locale: 'de_DE', domain: 'corp' }, '198.51.100.4'] }]);
    assert.equal(r.result, 'ok');
    assert.deepEqual(r.leaves, { 'user-sid': 'user-7', 'user-name': 'ann', 'domain-name': 'corp', 'user-activity-interval': '900', 'idle-timeout': '1801', 'max-broker-session-time': '43200' });
    assert.equal(state.auth?.token, 'tok-123');
    assert.equal(state.pre, null);
    assert.equal(preLogins.size, 0, 'the pre-login state is gone');
    assert.equal(state.setCookies.length, 2);
    assert.equal(state.setCookies[0], 'JSESSIONID=tok-123; Path=/broker; HttpOnly; SameSite=Strict; Secure');
    assert.match(state.setCookies[1]!, /^com\.vmware\.vdi\.broker\.location\.id=[0-9a-f-]{36}; Path=\/broker; HttpOnly; SameSite=Strict; Secure$/);
  });

  it('DOMAIN\\user names the domain; no domain is the first offered; the activity interval is at least 1 s', async () => {
    const short = { ...RESULT, session: { ...RESULT.session, idleSeconds: 1 } };
    const { env, calls, state } = envOf({ domains: ['corp', 'lab'], secure: false, answer: () => Promise.resolve(short) });
    const r = read(await runOperation('do-submit-authentication', password({ username: 'LAB\\ann', password: 'pw', domain: 'corp' }), env));
    assert.deepEqual(calls[0]!.args.slice(0, 4), ['ann', 'pw', 'view', { locale: null, domain: 'lab' }]);
    assert.equal(r.leaves['domain-name'], 'lab');
    assert.equal(r.leaves['user-activity-interval'], '1');
    assert.equal(state.setCookies[0], 'JSESSIONID=tok-123; Path=/broker; HttpOnly; SameSite=Strict');
    const second = envOf({ domains: ['corp', 'lab'] });
    await runOperation('do-submit-authentication', password({ username: 'ann', password: 'pw' }), second.env);
    assert.deepEqual(second.calls[0]!.args[3], { locale: null, domain: 'corp' });
  });

  it('an unknown domain: the screen again, naming the choices (one or several)', async () => {
    const many = read(await runOperation('do-submit-authentication', password({ username: 'ann', password: 'pw', domain: 'other' }), envOf({ domains: ['corp', 'lab'] }).env));
    assert.deepEqual([many.result, many.halt], ['partial', true]);
    assert.deepEqual(many.screen, pwScreen("Unknown domain 'other'. Choose one of corp, lab.", 'ann', ['corp', 'lab']));
    const one = read(await runOperation('do-submit-authentication', password({ username: 'x\\ann', password: 'pw' }), envOf().env));
    assert.deepEqual(one.screen, pwScreen("Unknown domain 'x'. Choose VMGATE.", 'ann'));
  });

  it('an empty user name or password: the screen again, core not asked', async () => {
    for (const params of [{ username: '  ', password: 'pw' }, { username: 'ann', password: '' }]) {
      const { env, calls } = envOf();
      const r = read(await runOperation('do-submit-authentication', password(params), env));
      assert.deepEqual([r.result, r.halt], ['partial', true]);
      assert.deepEqual(r.screen, pwScreen('Enter a user name and password.', params.username.trim()));
      assert.deepEqual(calls, []);
    }
  });

  it('core’s refusals: a wrong password, a lock, throttling, an expired password', async () => {
    const wrong = read(await runOperation('do-submit-authentication', password({ username: 'ann', password: 'x' }), envOf({ answer: () => Promise.reject(unauthenticated('invalid user name or password', { module: 'core.identity' })) }).env));
    assert.deepEqual([wrong.result, wrong.halt, wrong.screen], ['partial', true, pwScreen('Unknown user name or bad password.', 'ann')]);

    const locked = read(await runOperation('do-submit-authentication', password({ username: 'ann', password: 'x' }), envOf({ answer: () => Promise.reject(unauthenticated("account 'ann' is locked", { module: 'core.identity', reason: 'account_locked' })) }).env));
    assert.deepEqual([locked.result, locked.code, locked.message, locked.user, locked.halt], ['error', 'AUTHENTICATION_FAILED', "account 'ann' is locked", 'Your account is locked after too many failed logins. Try again later or ask an administrator to unlock it.', true]);

    const expired = envOf({ domains: ['corp'], answer: () => Promise.reject(unauthenticated('expired', { module: 'core.identity', reason: 'password_expired' })) });
    const e = read(await runOperation('do-submit-authentication', password({ username: 'ann', password: 'old' }), expired.env));
    assert.deepEqual([e.result, e.halt, e.screen], ['partial', true, expiredScreen('ann', 'corp', 'Your password has expired. Choose a new one.')]);
    assert.deepEqual(expired.pre!.entry.expired, { userName: 'ann', domain: 'corp' });
    // The next get-configuration shows the expired screen, with no error.
    const next = read(await runOperation('get-configuration', opOf('<get-configuration/>'), expired.env));
    assert.deepEqual([next.result, next.screen], ['ok', expiredScreen('ann', 'corp')]);
  });

  it('any other core failure is not a bad password: core’s table, internal details hidden', async () => {
    const r = read(await runOperation('do-submit-authentication', password({ username: 'ann', password: 'x' }), envOf({ answer: () => Promise.reject(notFound('no such thing', { module: 'core' })) }).env));
    assert.deepEqual([r.result, r.code, r.message], ['error', 'NOT_ENTITLED', 'no such thing']);
  });

  it('already logged in: ALREADY_AUTHENTICATED, the batch stops', async () => {
    const { env, calls } = envOf({ auth: { token: 't', caller: RESULT.caller, session: RESULT.session } });
    const r = read(await runOperation('do-submit-authentication', password({ username: 'bob', password: 'x' }), env));
    assert.deepEqual([r.result, r.code, r.message, r.user, r.halt], ['error', 'ALREADY_AUTHENTICATED', "already logged in as 'ann'; log out first", 'You are already logged in.', true]);
    assert.deepEqual(calls, []);
  });

  it('no screen, or one not offered: the screen to send, with an error', async () => {
    const none = read(await runOperation('do-submit-authentication', opOf('<do-submit-authentication/>'), envOf().env));
    assert.deepEqual([none.result, none.halt, none.screen], ['partial', true, pwScreen('Send the windows-password screen.')]);
    const odd = read(await runOperation('do-submit-authentication', screenOp(`securid-${'x'.repeat(60)}`, {}), envOf().env));
    assert.deepEqual(odd.screen, pwScreen(`The 'securid-${'x'.repeat(32)}' screen is not offered; log in with a user name and password.`));
  });
});

describe('View login: the disclaimer', () => {
  const TEXT = 'Authorised use only.';
  const disclaimer = (error?: string) => ({ name: 'disclaimer', params: [{ name: 'text', values: [TEXT], readonly: true }, ...(error ? [{ name: 'error', values: [error] }] : [])] });

  it('comes first; a password before it is refused; accepted (any case, blanks), the password screen follows', async () => {
    const { env, calls, pre } = envOf({ disclaimer: TEXT });
    assert.deepEqual(read(await runOperation('get-configuration', opOf('<get-configuration/>'), env)).screen, disclaimer());
    const early = read(await runOperation('do-submit-authentication', password({ username: 'ann', password: 'pw' }), env));
    assert.deepEqual([early.halt, early.screen], [true, disclaimer('Accept the disclaimer before you log in.')]);
    assert.deepEqual(calls, []);
    const no = read(await runOperation('do-submit-authentication', screenOp('disclaimer', { accept: 'false' }), env));
    assert.deepEqual([no.halt, no.screen, pre!.entry.disclaimerAccepted], [true, disclaimer('Accept the disclaimer to log in.'), false]);
    const yes = read(await runOperation('do-submit-authentication', screenOp('disclaimer', { accept: ' TRUE ' }), env));
    assert.deepEqual([yes.result, yes.halt, yes.screen, pre!.entry.disclaimerAccepted], ['partial', true, pwScreen(), true]);
    const none = read(await runOperation('do-submit-authentication', opOf('<do-submit-authentication/>'), env));
    assert.deepEqual(none.screen, pwScreen('Send the windows-password screen.'));
    const withdrawn = read(await runOperation('do-submit-authentication', screenOp('disclaimer', { accept: 'no' }), env));
    assert.deepEqual([withdrawn.screen, pre!.entry.disclaimerAccepted], [disclaimer('Accept the disclaimer to log in.'), false]);
  });

  it('no disclaimer configured: accepting one is refused with the password screen', async () => {
    const r = read(await runOperation('do-submit-authentication', screenOp('disclaimer', { accept: 'true' }), envOf().env));
    assert.deepEqual([r.halt, r.screen], [true, pwScreen('There is no disclaimer to accept; log in with a user name and password.')]);
  });
});

describe('View login: the expired-password screen', () => {
  /** An environment whose pre-login state holds ann's expired password. */
  function expiredEnv(answer?: () => Promise<LoginResult>) {
    const e = envOf({ domains: ['corp'], ...(answer ? { answer } : {}) });
    e.pre!.entry.expired = { userName: 'ann', domain: 'corp' };
    e.pre!.entry.locale = 'fr_FR';
    return e;
  }
  const change = (oldPassword: string, a: string, b: string) => screenOp('windows-password-expired', { oldPassword, newPassword1: a, newPassword2: b });

  it('without the password step first: refused with the password screen', async () => {
    const r = read(await runOperation('do-submit-authentication', change('old', 'new-1', 'new-1'), envOf().env));
    assert.deepEqual([r.halt, r.screen], [true, pwScreen('Log in with your current password first.')]);
  });

  it('empty fields, new passwords that differ: the screen again, core not asked', async () => {
    const cases: [string, string, string, string][] = [
      ['', 'new-1', 'new-1', 'Enter your current password and the new one twice.'],
      ['old', '', '', 'Enter your current password and the new one twice.'],
      ['old', 'new-1', 'new-2', 'The new passwords do not match.'],
    ];
    for (const [o, a, b, error] of cases) {
      const { env, calls } = expiredEnv();
      const r = read(await runOperation('do-submit-authentication', change(o, a, b), env));
      assert.deepEqual([r.halt, r.screen], [true, expiredScreen('ann', 'corp', error)], error);
      assert.deepEqual(calls, []);
    }
  });

  it('the change: core asked for the stored account (not a name the client sends), logged in after', async () => {
    const { env, calls, state } = expiredEnv();
    const r = read(await runOperation('do-submit-authentication', screenOp('windows-password-expired', { username: 'mallory', oldPassword: 'old', newPassword1: 'new-1', newPassword2: 'new-1' }), env));
    assert.deepEqual(calls, [{ fn: 'changeExpiredPassword', args: ['ann', 'old', 'new-1', 'view', { locale: 'fr_FR', domain: 'corp' }, '198.51.100.4'] }]);
    assert.equal(r.result, 'ok');
    assert.equal(r.leaves['domain-name'], 'corp');
    assert.equal(state.auth?.token, 'tok-123');
  });

  it('core’s refusals: wrong current password, lock, throttling, lifted meanwhile, the policy', async () => {
    const wrong = read(await runOperation('do-submit-authentication', change('bad', 'new-1', 'new-1'), expiredEnv(() => Promise.reject(unauthenticated('invalid user name or password', { module: 'core.identity' }))).env));
    assert.deepEqual([wrong.halt, wrong.screen], [true, expiredScreen('ann', 'corp', 'Your current password is not right.')]);

    const locked = read(await runOperation('do-submit-authentication', change('bad', 'new-1', 'new-1'), expiredEnv(() => Promise.reject(unauthenticated('locked now', { module: 'core.identity', reason: 'account_locked' }))).env));
    assert.deepEqual([locked.result, locked.code, locked.message, locked.user, locked.halt], ['error', 'AUTHENTICATION_FAILED', 'locked now', 'Your account is locked after too many failed logins. Try again later or ask an administrator to unlock it.', true]);

    const throttled = read(await runOperation('do-submit-authentication', change('bad', 'new-1', 'new-1'), expiredEnv(() => Promise.reject(unauthenticated('too many', { module: 'core.identity', reason: 'login_throttled' }))).env));
    assert.deepEqual([throttled.result, throttled.code, throttled.user, throttled.halt], ['error', 'AUTHENTICATION_FAILED', 'Too many logins are in progress from your address. Try again later.', true]);

    const lifted = expiredEnv(() => Promise.reject(notAllowedInCurrentState('not expired', { module: 'core.identity' })));
    const l = read(await runOperation('do-submit-authentication', change('old', 'new-1', 'new-1'), lifted.env));
    assert.deepEqual([l.halt, l.screen, lifted.pre!.entry.expired], [true, pwScreen('Your password no longer has to be changed: log in with it.', 'ann', ['corp']), null]);

    const policy = read(await runOperation('do-submit-authentication', change('old', 'short', 'short'), expiredEnv(() => Promise.reject(invalidArgument('a password needs at least 10 characters', { module: 'core.identity' }))).env));
    assert.deepEqual([policy.halt, policy.screen], [true, expiredScreen('ann', 'corp', 'The new password is not accepted: a password needs at least 10 characters.')]);
  });

  it('a new password screen starts over: the expired account is forgotten', async () => {
    const { env, pre } = expiredEnv(() => Promise.reject(unauthenticated('invalid user name or password', { module: 'core.identity' })));
    await runOperation('do-submit-authentication', password({ username: 'bob', password: 'x' }), env);
    assert.equal(pre!.entry.expired, null);
  });
});

describe('View: status, locale, logout, operations that need a login', () => {
  const auth = { token: 'tok-123', caller: RESULT.caller, session: { ...RESULT.session, lastUsedAt: '2026-05-01T11:00:00.000Z' } };

  it('get-authentication-status: partial with the next screen before login; the session’s figures after', async () => {
    const before = read(await runOperation('get-authentication-status', opOf('<get-authentication-status/>'), envOf().env));
    assert.deepEqual([before.result, before.halt, before.screen], ['partial', false, pwScreen()]);
    const after = read(await runOperation('get-authentication-status', opOf('<get-authentication-status/>'), envOf({ domains: ['VMGATE', 'CORP'], auth }).env));
    assert.deepEqual([after.result, after.leaves], ['ok', { 'user-name': 'ann', 'domain-name': 'corp', 'idle-timeout': '1801', 'session-expires': '2026-05-01T22:00:00.000Z', 'idle-expires': '2026-05-01T11:30:01.000Z' }]);
    const gone = read(await runOperation('get-authentication-status', opOf('<get-authentication-status/>'), envOf({ domains: ['VMGATE'], auth }).env));
    assert.equal(gone.leaves['domain-name'], 'VMGATE', 'a domain no longer offered reads as the first');
  });

  it('get-configuration after login: ok with no screen', async () => {
    const r = read(await runOperation('get-configuration', opOf('<get-configuration/>'), envOf({ auth }).env));
    assert.deepEqual([r.result, r.screen], ['ok', null]);
  });

  it('set-locale: kept before login, stored in the session after; a bad name is INVALID_REQUEST', async () => {
    const pre = envOf();
    assert.equal(read(await runOperation('set-locale', opOf('<set-locale><locale>pt_BR</locale></set-locale>'), pre.env)).result, 'ok');
    assert.equal(pre.pre!.entry.locale, 'pt_BR');
    const logged = envOf({ auth });
    assert.equal(read(await runOperation('set-locale', opOf('<set-locale><locale>zh-Hant-TW</locale></set-locale>'), logged.env)).result, 'ok');
    assert.deepEqual(logged.calls, [{ fn: 'updateSessionData', args: ['sess-1', { locale: 'zh-Hant-TW' }] }]);
    for (const bad of ['e', 'english', 'en_', 'en_US_POSIX_extra', `${'x'.repeat(40)}`, 'en US']) {
      const r = read(await runOperation('set-locale', opOf(`<set-locale><locale>${bad}</locale></set-locale>`), envOf().env));
      assert.deepEqual([r.result, r.code, r.message], ['error', 'INVALID_REQUEST', `locale '${bad.slice(0, 32)}' is not a locale name (en_US, de_DE, …)`], bad);
    }
  });

  it('do-logout: core ends the session, both cookies are cleared', async () => {
    const { env, calls, state } = envOf({ auth, secure: false });
    assert.equal(read(await runOperation('do-logout', opOf('<do-logout/>'), env)).result, 'ok');
    assert.deepEqual(calls, [{ fn: 'logout', args: [RESULT.caller] }]);
    assert.equal(state.auth, null);
    assert.deepEqual(state.setCookies, ['JSESSIONID=; Path=/broker; HttpOnly; SameSite=Strict; Max-Age=0', 'com.vmware.vdi.broker.location.id=; Path=/broker; HttpOnly; SameSite=Strict; Max-Age=0']);
  });

  it('an operation that needs a login, without one: NOT_AUTHENTICATED, with why the cookie did not count when known', async () => {
    const plain = read(await runOperation('get-desktops', opOf('<get-desktops/>'), envOf().env));
    assert.deepEqual([plain.result, plain.code, plain.message], ['error', 'NOT_AUTHENTICATED', "log in before 'get-desktops'"]);
    const expired = read(await runOperation('do-logout', opOf('<do-logout/>'), envOf({ authProblem: 'the session has expired: log in again' }).env));
    assert.deepEqual([expired.code, expired.message], ['NOT_AUTHENTICATED', 'the session has expired: log in again']);
  });

  it('an unknown operation is a PROTOCOL_ERROR naming it (cut at 64 characters)', async () => {
    const r = read(await runOperation(`do-${'z'.repeat(80)}`, opOf('<x/>'), envOf().env));
    assert.deepEqual([r.result, r.code, r.message], ['error', 'PROTOCOL_ERROR', `unknown operation 'do-${'z'.repeat(61)}'`]);
  });
});
