/**
 * `vmgate user unlock NAME --data-dir DIR` on the server itself, with no session and no
 * credentials, while the server runs; `vmgate user passwd NAME --current` for one's own
 * password.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cliFixture, type CliFixture } from './cli-fixture.ts';

describe('vmgate user unlock --data-dir, passwd --current', () => {
  let f: CliFixture;
  before(async () => {
    f = await cliFixture({ login: false });
  });
  after(async () => f.close());

  it('unlocks a locked administrator without a session', async () => {
    const core = f.server.server.core;
    for (let i = 0; i < 5; i++) await core.identity.verifyCredentials('administrator', `wrong-password-${i}`, '127.0.0.1').catch(() => undefined);
    const admin = await core.identity.resolveUser('administrator');
    assert.equal((await core.ctx.store.loginFailures.get(admin.id, '127.0.0.1'))?.failures, 5);
    const r = await f.ok(['user', 'unlock', 'Administrator', '--data-dir', f.server.dataDir], { bare: true });
    assert.equal(r.stdout, `unlocked administrator (${admin.id}) in ${f.server.dataDir}\n`);
    assert.equal(await core.ctx.store.loginFailures.get(admin.id, '127.0.0.1'), undefined);
    const missing = await f.run(['user', 'unlock', 'nobody-at-all', '--data-dir', f.server.dataDir], { bare: true });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^vmgate: NOT_FOUND: user 'nobody-at-all' was not found/);
  });

  it('passwd of one’s own account: without --current refused, with it changed', async () => {
    await f.ok(['login'], { env: { VMGATE_PASSWORD: 'test-admin-password-1' } });
    const refused = await f.run(['user', 'passwd', 'administrator', '--password-stdin'], { input: 'admin-password-new-1\n' });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /current password/);
    await f.ok(['user', 'passwd', 'administrator', '--current', '--password-stdin'], { input: 'test-admin-password-1\nadmin-password-new-1\n' });
    await f.server.server.core.identity.verifyCredentials('administrator', 'admin-password-new-1');
  });
});
