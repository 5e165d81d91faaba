/**
 * The exec session behind an authd login, over real TLS: rootonly operations for
 * administrators only (word for word), IsAdminUser per account, unknown operations named
 * (and cut) in the refusal, every request counted once, and a refusal that does not end
 * the connection.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { VmserverdClient } from '../../../src/clients/vmserverd/index.ts';
import type { ExecReply } from '../../../src/protocols/vmserverd/index.ts';
import { startAuthd, type AuthdKit } from './kit.ts';

const failure = (r: ExecReply): { code: string; message: string } => {
  assert.equal(r.ok, false, 'expected a failure reply');
  return (r as Extract<ExecReply, { ok: false }>).error;
};

describe('exec session: who may do what', () => {
  let k: AuthdKit;
  let admin: VmserverdClient;
  let ro: VmserverdClient;
  before(async () => {
    k = await startAuthd();
    admin = await k.admin();
    await k.t.user('watcher', 'read-only');
    ro = await k.client();
    await ro.login('watcher', 'watcher-password-1');
  });
  after(async () => k.close());

  it('IsAdminUser: 1 for the administrator, 0 for a read-only user', async () => {
    assert.equal(await admin.isAdminUser(), true);
    assert.equal(await ro.isAdminUser(), false);
  });

  it('a rootonly operation is refused to a read-only user, word for word; the connection goes on', async () => {
    for (const op of ['Security_GetConfig', 'Security_CreateCertificate', 'Security_ActivateConfig']) {
      assert.deepEqual(failure(await ro.execRaw(op, {})), { code: 'permission_denied', message: `${op} is for administrators only` }, op);
    }
    assert.equal(await ro.inc(41), 42);
    const ok = await admin.execRaw('Security_GetConfig', {});
    assert.equal(ok.ok, true);
  });

  it('an unknown operation is named in the refusal, cut at 100 characters', async () => {
    assert.deepEqual(failure(await ro.execRaw('Nope_Nothing', {})), { code: 'unknown_op', message: "unknown operation 'Nope_Nothing' (VMServerd_GetOperationTable lists them)" });
    const long = 'X'.repeat(150);
    assert.deepEqual(failure(await ro.execRaw(long, {})), { code: 'unknown_op', message: `unknown operation '${'X'.repeat(100)}' (VMServerd_GetOperationTable lists them)` });
  });

  it('every exec request is counted once, refused ones too', async () => {
    const before = await admin.requestCount();
    await ro.execRaw('Nope_Nothing', {});
    await ro.execXml('not xml');
    await ro.inc(1);
    // This request counts itself as well.
    assert.equal(await admin.requestCount(), before + 4);
  });
});
