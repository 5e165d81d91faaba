import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SessionStore, configDir, serverKey } from '../../src/cli/session-store.ts';

describe('cli session store', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vmgate-cli-store-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('keeps one session per server in a 0600 file, keyed by the normalised URL', async () => {
    const store = new SessionStore(join(dir, 'a', 'vmgate'));
    assert.equal(await store.get('https://h:8443'), undefined);
    await store.put({ server: 'https://H:8443/', token: 't1', user: 'administrator', createdAt: '2026-01-01T00:00:00.000Z' });
    await store.put({ server: 'https://other:8443', token: 't2', user: 'alice', createdAt: '2026-01-01T00:00:00.000Z' });
    assert.equal((await store.get('https://h:8443'))?.token, 't1');
    assert.equal((await stat(store.path)).mode & 0o777, 0o600);
    assert.deepEqual(Object.keys(JSON.parse(await readFile(store.path, 'utf8')) as object), ['https://h:8443', 'https://other:8443']);
    assert.equal(await store.delete('https://h:8443'), true);
    assert.equal(await store.delete('https://h:8443'), false);
    assert.equal((await store.get('https://other:8443'))?.user, 'alice');
  });

  it('a damaged file holds no session and the next login rewrites it', async () => {
    const store = new SessionStore(join(dir, 'b'));
    await store.put({ server: 'https://h', token: 't', user: 'u', createdAt: '' });
    await writeFile(store.path, '{not json');
    assert.equal(await store.get('https://h'), undefined);
    await store.put({ server: 'https://h', token: 't3', user: 'u', createdAt: '' });
    assert.equal((await store.get('https://h'))?.token, 't3');
  });

  it('config directory: VMGATE_CONFIG_DIR, else XDG_CONFIG_HOME/vmgate, else ~/.config/vmgate', () => {
    assert.equal(configDir({ VMGATE_CONFIG_DIR: '/x' }), '/x');
    assert.equal(configDir({ XDG_CONFIG_HOME: '/cfg' }), '/cfg/vmgate');
    assert.match(configDir({}), /\.config\/vmgate$/);
    assert.equal(serverKey('HTTPS://Example.COM:8443//'), 'https://example.com:8443');
  });
});
