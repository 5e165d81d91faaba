/**
 * The exec session behind an authd login, over real TLS: rootonly operations for
 * administrators only (word for word), IsAdminUser per account, unknown operations named
 * (and cut) in the refusal, every request counted once, and a refusal that does not end
 * the connection.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, mock } from 'node:test';
import type { AddressInfo } from 'node:net';
import { VmserverdClient, VmserverdError } from '../../../src/clients/vmserverd/index.ts';
import type { CoreApi } from '../../../src/core/index.ts';
import { createAuthdServer, type AuthdServer } from '../../../src/faces/vmserverd/authd-server.ts';
import { createTestCore, type TestCore } from '../../support/core-harness.ts';
import type { ExecReply } from '../../../src/protocols/vmserverd/index.ts';
import { ADMIN, startAuthd, testTls, type AuthdKit } from './kit.ts';

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

describe('exec session: the caller is re-checked with core at most once a second; malformed requests; internal errors logged', () => {
  const logged: { level: string; obj: unknown; msg: string | undefined }[] = [];
  const at = (level: string) => (obj: unknown, msg?: string) => void logged.push({ level, obj, msg });
  const log = { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
  let t: TestCore;
  let server: AuthdServer;
  let ca: string;
  let port: number;
  /** When set, core's authenticate throws this (an unexpected failure, not a VmgateError). */
  let authenticateThrows: Error | null = null;
  before(async () => {
    t = await createTestCore();
    await t.user('brief', 'read-only');
    const identity = new Proxy(t.core.identity, {
      get(target, prop) {
        if (prop === 'authenticate') {
          return (token: string) => {
            if (authenticateThrows) throw authenticateThrows;
            return target.authenticate(token);
          };
        }
        const v = Reflect.get(target, prop) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const core = new Proxy(t.core, { get: (target, prop) => (prop === 'identity' ? identity : Reflect.get(target, prop)) }) as CoreApi;
    const tls = await testTls();
    ca = tls.cert;
    server = createAuthdServer({ core, log, tls, idleTimeoutMs: 60_000 });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    mock.timers.reset();
    await new Promise<void>((res) => server.close(() => res()));
    await t.close();
  });
  const connect = (): Promise<VmserverdClient> => VmserverdClient.connect({ host: '127.0.0.1', port, ca });

  it('a user disabled after login keeps working until a second has passed since the last check, then is refused', async () => {
    const c = await connect();
    await c.login('brief', 'brief-password-1');
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    try {
      assert.equal(await c.inc(1), 2); // checked with core now
      await t.core.identity.updateUser(t.admin, 'brief', { disabled: true });
      assert.equal(await c.inc(2), 3); // within the second: the answer of the last check
      mock.timers.tick(999);
      assert.equal(await c.inc(3), 4);
      mock.timers.tick(1); // a full second after the check: asked again, and refused
      assert.deepEqual(failure(await c.execRaw('inc', { number: 4 })), { code: 'not_authenticated', message: 'the session’s user no longer exists or is disabled' });
      await assert.rejects(c.inc(5), (e: unknown) => e instanceof VmserverdError && e.code === 'not_authenticated');
    } finally {
      mock.timers.reset();
      await t.core.identity.updateUser(t.admin, 'brief', { disabled: false });
      c.close();
    }
  });

  it('an <exec> document that is not XML, or not a request, is malformed_xml saying why; the connection goes on', async () => {
    const c = await connect();
    await c.login(ADMIN.user, ADMIN.password);
    assert.deepEqual(failure(await c.execXml('<other/>')), { code: 'malformed_xml', message: 'the root element must be <exec>, not <other>' });
    assert.deepEqual(failure(await c.execXml('<exec><in/></exec>')), { code: 'malformed_xml', message: 'the request has no <op>' });
    const broken = failure(await c.execXml('<exec><op>inc</op'));
    assert.equal(broken.code, 'malformed_xml');
    assert.equal(await c.inc(1), 2);
    c.close();
  });

  it('an unexpected failure is answered "internal error (see the server log)" and logged as an error; a refusal is not logged', async () => {
    const c = await connect();
    await c.login(ADMIN.user, ADMIN.password);
    logged.length = 0;
    assert.deepEqual(failure(await c.execRaw('Nope_Nothing', {})).code, 'unknown_op');
    assert.deepEqual(logged.filter((l) => l.level === 'error'), []);
    const boom = new Error('SQLITE_IOERR: disk I/O error at /var/lib/vmgate/vmgate.db');
    mock.timers.enable({ apis: ['Date'], now: Date.now() + 60_000 }); // past the last check: core is asked
    authenticateThrows = boom;
    try {
      assert.deepEqual(failure(await c.execRaw('inc', { number: 1 })), { code: 'internal', message: 'internal error (see the server log)' });
    } finally {
      authenticateThrows = null;
      mock.timers.reset();
    }
    assert.deepEqual(logged.map((l) => [l.level, l.msg, (l.obj as { err?: unknown }).err]), [['error', 'vmserverd exec failed', boom]]);
    c.close();
  });
});
