/**
 * A unit test of the face's login operation alone (core replaced by a stub that throws
 * what core throws): refusals that a real server produces only under load — too many
 * logins in progress from one address — read as AUTHENTICATION_FAILED with a user message
 * and stop the batch; an internal failure is not mistaken for a wrong password.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CoreApi } from '../../../src/core/index.ts';
import { silentLogger } from '../../../src/core/context.ts';
import { internal, unauthenticated } from '../../../src/core/errors.ts';
import { parseXml } from '../../../src/protocols/view/index.ts';
import type { OpEnv } from '../../../src/faces/view/ops.ts';
import { runOperation } from '../../../src/faces/view/ops.ts';
import { PreLoginStore } from '../../../src/faces/view/session.ts';
import { LOGIN } from './view-kit.ts';

function envWith(login: () => Promise<never>): OpEnv {
  const preLogins = new PreLoginStore(() => 0);
  const core = { identity: { login } } as unknown as CoreApi;
  return { core, log: silentLogger, config: { domains: ['VMGATE'], disclaimer: null }, preLogins, state: { auth: null, authProblem: null, pre: preLogins.create(), setCookies: [] }, secure: true, source: '192.0.2.1' };
}

const op = () => {
  const doc = parseXml(LOGIN('demo', 'demo-password-1'));
  assert.ok(doc.ok);
  return doc.root;
};

describe('View broker login: core refusals seen only under load', () => {
  it('login_throttled: AUTHENTICATION_FAILED with a user message, the batch stops', async () => {
    const o = await runOperation('do-submit-authentication', op(), envWith(() => Promise.reject(unauthenticated('too many logins in progress from 192.0.2.1: try again later', { module: 'core.identity', reason: 'login_throttled' }))));
    assert.deepEqual([o.result, o.error?.code, o.error?.message, o.error?.userMessage, o.halt], ['error', 'AUTHENTICATION_FAILED', 'too many logins in progress from 192.0.2.1: try again later', 'Too many logins are in progress from your address. Try again later.', true]);
  });

  it('an internal failure is OPERATION_FAILED without its details, not a bad password', async () => {
    const o = await runOperation('do-submit-authentication', op(), envWith(() => Promise.reject(internal('database is locked', { module: 'store' }))));
    assert.deepEqual([o.result, o.error?.code, o.error?.message], ['error', 'OPERATION_FAILED', 'internal error']);
  });
});
