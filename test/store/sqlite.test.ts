import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely';
import { VmgateError } from '../../src/core/errors.ts';
import { openStore } from '../../src/store/open-store.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/sqlite/migrations/index.ts';
import { MIGRATION_TABLE, openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { AnyDatabase } from '../../src/store/sqlite/sql-context.ts';
import { selectHostUsage, selectVms } from '../../src/store/sqlite/vm-repository.ts';
import type { VmFilter } from '../../src/core/model/index.ts';
import type { Store } from '../../src/core/ports/store.ts';
import { session, user, vm } from './fixtures/records.ts';
import { storeConformance } from './store-conformance.ts';

const dir = mkdtempSync(join(tmpdir(), 'vmgate-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
const tempFile = (): string => join(dir, `db-${process.pid}-${++files}`, 'vmgate.db');

storeConformance('sqlite :memory:', () => openSqliteStore({ path: ':memory:' }));
storeConformance('sqlite file', () => openSqliteStore({ path: tempFile() }));

describe('sqlite store', () => {
  it('creates the parent directory and sets the pragmas', async () => {
    const path = tempFile();
    const store = await openSqliteStore({ path });
    await store.close();
    const db = new Database(path, { readonly: true });
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    } finally {
      db.close();
    }
  });

  it('migrations are recorded and idempotent: opening twice keeps the data and the version', async () => {
    const path = tempFile();
    const first = await openSqliteStore({ path });
    await first.vms.insert(vm(1));
    await first.close();
    const second = await openSqliteStore({ path });
    assert.deepEqual(await second.vms.get('vm-1'), vm(1));
    await second.close();

    const db = new Database(path, { readonly: true });
    try {
      const applied = db.prepare(`select name from ${MIGRATION_TABLE} order by name`).pluck().all();
      assert.deepEqual(applied, Object.keys(MIGRATIONS).sort());
      assert.equal(applied.at(-1), SCHEMA_VERSION);
      assert.equal(SCHEMA_VERSION, '0005-application-icons');
    } finally {
      db.close();
    }
  });

  it('refuses a database migrated by a newer vmgate, with a message that says so', async () => {
    const path = tempFile();
    await (await openSqliteStore({ path })).close();
    const raw = new Database(path);
    raw.prepare(`insert into ${MIGRATION_TABLE} (name, timestamp) values ('9999-from-the-future', ?)`).run(new Date().toISOString());
    raw.close();
    await assert.rejects(
      openSqliteStore({ path }),
      (e) => e instanceof VmgateError && e.kind === 'internal' && e.module === 'store' && /current schema.*9999-from-the-future/.test(e.message),
    );
  });

  it('migration 0002 keeps the oldest of user names that differ only in case and renames the others', async () => {
    const path = tempFile();
    await (await openSqliteStore({ path })).close();
    // Back to a database as 0001 left it, holding names that clash once case is ignored.
    const raw = new Database(path);
    raw.exec(`alter table applications drop column icon; drop index vms_host_usage; drop index users_name_nocase; drop table login_failures; alter table users drop column must_change_password; delete from ${MIGRATION_TABLE} where name in ('0002-login-hardening', '0003-user-must-change-password', '0004-host-usage-index', '0005-application-icons')`);
    const insert = raw.prepare(`insert into users (id, seq, name, full_name, password_hash, disabled, failed_logins, locked_until, last_login_at, created_at) values (?, ?, ?, '', 'x', 0, 0, null, null, '2025-01-01T00:00:00.000Z')`);
    insert.run('user-1', 1, 'administrator');
    insert.run('user-2', 2, 'Administrator');
    insert.run('user-3', 3, 'ADMINISTRATOR');
    insert.run('user-4', 4, 'alice');
    raw.close();
    const store = await openSqliteStore({ path });
    try {
      assert.deepEqual((await store.users.list()).map((u) => u.name), ['administrator', 'Administrator-user-2', 'ADMINISTRATOR-user-3', 'alice']);
      assert.equal((await store.users.getByName('ADMINISTRATOR'))?.id, 'user-1');
      assert.equal(await store.loginFailures.get('user-1', 'x'), undefined, 'the login_failures table exists');
    } finally {
      await store.close();
    }
  });

  it('a record missing a required field or with an unreadable time is invalid_argument', async () => {
    const store = await openSqliteStore({ path: ':memory:' });
    const invalid = (pattern: RegExp) => (e: unknown) =>
      e instanceof VmgateError && e.kind === 'invalid_argument' && e.module === 'store' && pattern.test(e.message);
    try {
      await assert.rejects(store.users.insert({ ...user(1), name: undefined as unknown as string }), invalid(/user-1 needs a value for 'name'/));
      await assert.rejects(store.sessions.insert(session(1, { expiresAt: 'soon' })), invalid(/session expiresAt 'soon'/));
      assert.equal(await store.users.count(), 0);
      assert.equal(await store.sessions.count(), 0);
      await store.users.insert(user(1));
      await assert.rejects(store.users.update('user-1', { nickname: 'x' } as object), invalid(/a user has no field 'nickname'/));
      assert.deepEqual(await store.users.get('user-1'), user(1));
    } finally {
      await store.close();
    }
  });

  it('VM queries are answered off an index, in id order without a sort', async () => {
    const path = tempFile();
    await (await openSqliteStore({ path })).close();
    const raw = new Database(path, { readonly: true });
    // The real SQL of vms.query(filter), compiled by kysely without running it.
    const compiler = new Kysely<AnyDatabase>({
      dialect: {
        createAdapter: () => new SqliteAdapter(),
        createDriver: () => new DummyDriver(),
        createIntrospector: (db) => new SqliteIntrospector(db),
        createQueryCompiler: () => new SqliteQueryCompiler(),
      },
    });
    const plan = (filter: VmFilter): string => {
      const q = selectVms(compiler, filter);
      assert.ok(q !== null);
      const { sql, parameters } = q.compile();
      return raw
        .prepare(`explain query plan ${sql}`)
        .all(...(parameters as unknown[]))
        .map((r) => (r as { detail: string }).detail)
        .join('; ');
    };
    try {
      for (const [filter, index] of [
        [{ powerStates: ['poweredOn'], limit: 1000 }, 'vms_power_state'],
        [{ powerStates: ['poweredOn'], limit: 1000, offset: 5000 }, 'vms_power_state'],
        [{ hostIds: ['host-1'] }, 'vms_host'],
        [{ names: ['db'], limit: 1 }, 'vms_name'],
        [{ limit: 1000 }, 'vms_seq'],
      ] as [VmFilter, string][]) {
        const p = plan(filter);
        assert.match(p, new RegExp(`USING (COVERING )?INDEX ${index}\\b`), `${JSON.stringify(filter)}: ${p}`);
        assert.doesNotMatch(p, /TEMP B-TREE/, `${JSON.stringify(filter)} sorts: ${p}`);
      }
      for (const filter of [{ clusterIds: ['domain-c1'] }, { datacenterIds: ['datacenter-1'] }] as VmFilter[]) {
        assert.match(plan(filter), /SEARCH hosts USING INDEX hosts_(cluster|datacenter)/);
        assert.match(plan(filter), /SEARCH vms USING INDEX vms_host/);
      }
      assert.match(plan({ uuids: ['x'] }), /SEARCH vms USING INDEX sqlite_autoindex_vms/);
      // The load a power-on is admitted against: the partial index alone, no row read.
      const usage = selectHostUsage(compiler, 'host-1').compile();
      const usagePlan = raw
        .prepare(`explain query plan ${usage.sql}`)
        .all(...(usage.parameters as unknown[]))
        .map((r) => (r as { detail: string }).detail)
        .join('; ');
      assert.equal(usagePlan, 'SEARCH vms USING COVERING INDEX vms_host_usage (host_id=?)');
    } finally {
      raw.close();
      await compiler.destroy();
    }
  });

  it('transactions asked for together commit together: each all or nothing, each answered only once committed', async () => {
    const path = tempFile();
    const store = await openSqliteStore({ path });
    // Another connection, as another process would see the file.
    const other = new Database(path, { readonly: true });
    const committed = (id: string) => other.prepare('select count(*) as n from vms where id = ?').get(id) as { n: number };
    try {
      const seen: Record<string, number> = {};
      const write = (n: number, fail: boolean) =>
        store
          .transaction(async (tx) => {
            await tx.vms.insert(vm(n));
            await tx.settings.set(`k${n}`, 'v');
            if (fail) throw new Error(`transaction ${n} fails after its writes`);
            return n;
          })
          .then((r) => {
            seen[`vm-${n}`] = committed(`vm-${n}`).n;
            return r;
          });
      const results = await Promise.allSettled([write(1, false), write(2, true), write(3, false), write(4, true), write(5, false)]);
      assert.deepEqual(
        results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
        [1, 'transaction 2 fails after its writes', 3, 'transaction 4 fails after its writes', 5],
      );
      assert.deepEqual(seen, { 'vm-1': 1, 'vm-3': 1, 'vm-5': 1 }, 'each success is on disk when its caller hears of it');
      assert.deepEqual((await store.vms.list()).map((v) => v.id), ['vm-1', 'vm-3', 'vm-5'], 'the failed ones left nothing');
      assert.equal(await store.settings.get('k2'), undefined);
      assert.equal(await store.settings.get('k4'), undefined);
      assert.equal(await store.settings.get('k5'), 'v');
      // Later transactions, and a lone one, still commit.
      assert.equal(await store.transaction(async (tx) => (await tx.vms.insert(vm(6)), 6)), 6);
      assert.equal(committed('vm-6').n, 1);
    } finally {
      other.close();
      await store.close();
    }
  });

  it('while another process holds the write lock past the busy timeout, waiting transactions fail with a clear error and later ones work', async () => {
    const path = tempFile();
    const store = await openSqliteStore({ path });
    const other = new Database(path);
    try {
      other.exec('begin immediate');
      const waiting = [1, 2].map((n) => store.transaction((tx) => tx.settings.set(`k${n}`, 'v')));
      for (const w of waiting) await assert.rejects(w, (e) => e instanceof VmgateError && /busy|locked/i.test(e.message));
      other.exec('rollback');
      await store.transaction((tx) => tx.settings.set('k3', 'v'));
      assert.deepEqual([await store.settings.get('k1'), await store.settings.get('k3')], [undefined, 'v']);
    } finally {
      other.close();
      await store.close();
    }
  });

  it('a statement outside a transaction neither sees into one in progress nor lands inside it', async () => {
    const store = await openSqliteStore({ path: tempFile() });
    try {
      let inside!: () => void;
      const opened = new Promise<void>((r) => (inside = r));
      let proceed!: () => void;
      const held = new Promise<void>((r) => (proceed = r));
      const tx = store.transaction(async (t) => {
        await t.vms.insert(vm(1));
        inside();
        await held;
        throw new Error('rolled back');
      });
      await opened;
      // While the transaction holds the database: a read and a write from outside.
      const read = store.vms.get('vm-1');
      const write = store.vms.insert(vm(2));
      proceed();
      await assert.rejects(tx, /rolled back/);
      assert.equal(await read, undefined, 'the uncommitted row was not visible outside');
      await write;
      assert.deepEqual((await store.vms.list()).map((v) => v.id), ['vm-2'], 'the outside write was not rolled back with the transaction');
    } finally {
      await store.close();
    }
  });

  it('many statements from outside wait for a transaction in progress and are answered after it, in the order asked, with what was committed', async () => {
    const store = await openSqliteStore({ path: tempFile() });
    try {
      const stored = vm(1, { annotation: 'before' });
      await store.vms.insert(stored);
      let inside!: () => void;
      const opened = new Promise<void>((r) => (inside = r));
      let proceed!: () => void;
      const held = new Promise<void>((r) => (proceed = r));
      const tx = store.transaction(async (t) => {
        await t.vms.update('vm-1', { annotation: 'inside' });
        inside();
        await held;
        throw new Error('rolled back');
      });
      await opened;
      // While the transaction holds the database: 40 reads, then a write, then a read.
      const reads = Array.from({ length: 40 }, () => store.vms.get('vm-1'));
      const write = store.vms.update('vm-1', { annotation: 'outside' }, stored);
      const last = store.vms.get('vm-1');
      proceed();
      await assert.rejects(tx, /rolled back/);
      assert.deepEqual((await Promise.all(reads)).map((v) => v?.annotation), Array.from({ length: 40 }, () => 'before'), 'the reads asked before the write see the committed row');
      assert.equal((await write).annotation, 'outside');
      assert.equal((await last)?.annotation, 'outside', 'the read asked after the write sees it');
      assert.equal((await store.vms.get('vm-1'))?.annotation, 'outside');
    } finally {
      await store.close();
    }
  });

  it('a transaction store may not be used after its transaction ended', async () => {
    const store = await openSqliteStore({ path: ':memory:' });
    try {
      let leaked: Store | undefined;
      await store.transaction(async (tx) => {
        leaked = tx;
      });
      await assert.rejects(leaked!.vms.count(), (e) => e instanceof VmgateError && /after its transaction ended/.test(e.message));
    } finally {
      await store.close();
    }
  });

  it('openStore opens sqlite and refuses postgres for now', async () => {
    const store = await openStore({ kind: 'sqlite', path: ':memory:' });
    assert.equal(store.kind, 'sqlite');
    await store.close();
    await assert.rejects(
      openStore({ kind: 'postgres', url: 'postgres://localhost/vmgate' }),
      (e) => e instanceof VmgateError && e.kind === 'unsupported' && /PostgreSQL store is planned; use sqlite/.test(e.message),
    );
  });

  it('every committed write survives kill -9 of the writing process', async () => {
    const path = tempFile();
    const fixture = fileURLToPath(new URL('./fixtures/durability-writer.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    const reported: number[] = [];
    let buffered = '';
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^wrote (\d+)$/.exec(line);
        if (m !== null) reported.push(Number(m[1]));
      }
      if (reported.length >= 300 && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    const signal = await exited;
    assert.equal(signal, 'SIGKILL', 'the writer was killed mid-way, it did not finish');
    assert.ok(reported.length >= 300);

    const raw = new Database(path);
    try {
      assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      raw.close();
    }
    const store = await openSqliteStore({ path });
    try {
      const count = await store.vms.count();
      assert.ok(count >= reported.length, `${count} VMs on disk, ${reported.length} reported`);
      const found = await store.vms.query({ ids: reported.map((n) => `vm-${n}`) });
      assert.equal(found.length, reported.length, 'every reported VM is there');
      for (const n of reported.slice(-5)) {
        assert.deepEqual(await store.vms.get(`vm-${n}`), vm(n));
        // each VM was written in one transaction with its event: both or neither
        assert.equal((await store.events.list({ objectId: `vm-${n}`, limit: 5 })).length, 1);
      }
      assert.equal(await store.nextSequence('vm'), count + 1, 'the sequence moved with the rows');
    } finally {
      await store.close();
    }
  });
});
