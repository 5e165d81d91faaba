/**
 * The web face over real HTTPS: the built app's files under /ui/ with the page CSP and
 * cache headers, the app's pages answered by index.html, `/` redirecting, no path out of
 * the built folder, and a server without the built app saying how to build it.
 * The face is pointed at folders this test makes (the real build is the browser tests').
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createWebFace } from '../../../src/faces/web/index.ts';
import type { FaceEntry } from '../../../src/server/faces.ts';
import { startTestServer, type TestServer } from '../../support/test-server.ts';

const CSP = "default-src 'self'; connect-src 'self' wss:; img-src 'self' data:; style-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const INDEX = '<!doctype html><html><head><script type="module" src="/ui/assets/index-AbCd1234.js"></script></head><body><div id="root"></div></body></html>\n';

function webEntry(assetDir: string): FaceEntry {
  return { face: { ...createWebFace({ assetDir }), name: 'webtest' } };
}

describe('web face: a built app', () => {
  let s: TestServer;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vmgate-web-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), INDEX);
    await writeFile(join(dir, 'assets', 'index-AbCd1234.js'), 'console.log("app");\n');
    await writeFile(join(dir, 'assets', 'index-EfGh5678.css'), 'body{margin:0}\n');
    await writeFile(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    s = await startTestServer({ demo: false, faces: 'vapi,webtest' }, {}, { faces: [webEntry(dir)] });
  });
  after(async () => {
    await s.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('the banner names /ui and that / leads there', () => {
    assert.deepEqual(s.server.faces.find((f) => f.name === 'webtest')?.paths, ['/ui (open in a browser; / redirects here)']);
  });

  it('GET / redirects to /ui/, and /ui to /ui/', async () => {
    const root = await s.request('GET', '/');
    assert.equal(root.status, 302);
    assert.equal(root.headers.location, '/ui/');
    const ui = await s.request('GET', '/ui');
    assert.equal(ui.status, 301);
    assert.equal(ui.headers.location, '/ui/');
  });

  it('/ui/ and every page of the app answer index.html with the page CSP, not cached', async () => {
    for (const path of ['/ui/', '/ui/inventory', '/ui/vm/vm-1', '/ui/desktop/pool-1?x=1']) {
      const r = await s.request('GET', path);
      assert.equal(r.status, 200, path);
      assert.equal(r.body, INDEX, path);
      assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(r.headers['content-security-policy'], CSP);
      assert.equal(r.headers['cache-control'], 'no-cache');
      assert.equal(r.headers['x-frame-options'], 'DENY');
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['referrer-policy'], 'no-referrer');
      assert.equal(r.headers['strict-transport-security'], 'max-age=31536000');
    }
  });

  it('hashed assets are cached for a year with their type; other files are revalidated; an ETag answers 304', async () => {
    const js = await s.request('GET', '/ui/assets/index-AbCd1234.js');
    assert.equal(js.status, 200);
    assert.equal(js.body, 'console.log("app");\n');
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    const css = await s.request('GET', '/ui/assets/index-EfGh5678.css');
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    const svg = await s.request('GET', '/ui/favicon.svg');
    assert.equal(svg.headers['content-type'], 'image/svg+xml');
    assert.equal(svg.headers['cache-control'], 'no-cache');
    const etag = js.headers.etag as string;
    assert.match(etag, /^"[A-Za-z0-9_-]{27}"$/);
    const again = await s.request('GET', '/ui/assets/index-AbCd1234.js', { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.body, '');
  });

  it('a missing file is a 404, not the app page; no path leaves the built folder', async () => {
    for (const path of ['/ui/assets/index-00000000.js', '/ui/nope.png', '/ui/../package.json', '/ui/%2e%2e/package.json', '/ui/..%2f..%2fpackage.json', '/ui/assets/..%2f..%2f..%2fetc%2fpasswd']) {
      const r = await s.request('GET', path);
      assert.equal(r.status, 404, path);
      assert.doesNotMatch(r.body, /"name": "vmgate"|root:/, path);
    }
    const bad = await s.request('GET', '/ui/%E0%A4%A');
    assert.equal(bad.status, 400);
  });

  it('the API keeps its own answers beside it', async () => {
    const r = await s.request('GET', '/api/vcenter/vm');
    assert.equal(r.status, 401);
  });
});

describe('web face: the app is not built', () => {
  let s: TestServer;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vmgate-web-empty-'));
    s = await startTestServer({ demo: false, faces: 'vapi,webtest' }, {}, { faces: [webEntry(dir)] });
  });
  after(async () => {
    await s.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('the server starts, its banner says so, and /ui/ says how to build', async () => {
    assert.deepEqual(s.server.faces.find((f) => f.name === 'webtest')?.paths, ['/ui (NOT BUILT: run npm run build, then restart)']);
    const root = await s.request('GET', '/');
    assert.equal(root.status, 302);
    const r = await s.request('GET', '/ui/inventory');
    assert.equal(r.status, 503);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(r.body, /The vmgate web dashboard is not built/);
    assert.match(r.body, /npm run build/);
    const health = await s.request('GET', '/healthz');
    assert.equal(health.status, 200);
  });
});
