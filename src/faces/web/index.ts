import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Face } from '../face.ts';

/**
 * The web dashboard, desktop portal and browser console (docs/web.md): the built single
 * page app of `web/` (`npm run build` writes it to `dist/web`), served at `/ui/`. The app
 * talks to the vAPI face's REST API with a cookie session and the `X-Vmgate-Web: 1` header;
 * this face only serves files. `GET /` redirects here.
 */

/** The Content-Security-Policy of the app's pages: its own origin, WebSockets for the console, never framed, no inline script or style. */
export const WEB_CSP = "default-src 'self'; connect-src 'self' wss:; img-src 'self' data:; style-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/** Files whose name carries a content hash (Vite's `assets/name-<hash>.js`) never change: cached a year. */
const HASHED = /^assets\/.+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;
const IMMUTABLE = 'public, max-age=31536000, immutable';

const TYPES = new Map<string, string>([
  ['.html', 'text/html; charset=utf-8'],
  ['.js', 'text/javascript; charset=utf-8'],
  ['.mjs', 'text/javascript; charset=utf-8'],
  ['.css', 'text/css; charset=utf-8'],
  ['.json', 'application/json'],
  ['.svg', 'image/svg+xml'],
  ['.png', 'image/png'],
  ['.jpg', 'image/jpeg'],
  ['.gif', 'image/gif'],
  ['.ico', 'image/x-icon'],
  ['.woff', 'font/woff'],
  ['.woff2', 'font/woff2'],
  ['.ttf', 'font/ttf'],
  ['.txt', 'text/plain; charset=utf-8'],
]);

/** One built file, read once at start. */
interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
  readonly cache: string;
}

/** Where `npm run build` puts the app: `dist/web` of the checkout (this file is three folders below it, in src/ and in dist/). */
export const DEFAULT_ASSET_DIR = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

/**
 * Reads every file under `dir` into a map keyed by its path relative to `dir` ('/'
 * separators). Requests are answered from this map only, so no request path can name a
 * file outside it. Null when the directory has no index.html (the app is not built).
 */
export function loadAssets(dir: string): Map<string, Asset> | null {
  let indexStat;
  try {
    indexStat = statSync(join(dir, 'index.html'));
  } catch {
    return null;
  }
  if (!indexStat.isFile()) return null;
  const assets = new Map<string, Asset>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const rel = relative(dir, p).split(sep).join('/');
        const dot = rel.lastIndexOf('.');
        const type = TYPES.get(dot >= 0 ? rel.slice(dot).toLowerCase() : '') ?? 'application/octet-stream';
        const body = readFileSync(p);
        const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
        assets.set(rel, { body, type, etag, cache: HASHED.test(rel) ? IMMUTABLE : 'no-cache' });
      }
    }
  };
  walk(dir);
  return assets;
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vmgate: dashboard not built</title></head>
<body><main><h1>The vmgate web dashboard is not built</h1>
<p>This vmgate was started without the dashboard's files (<code>dist/web</code>). Build them in the checkout with</p>
<pre>npm ci        # runs the build too
npm run build # or only the build</pre>
<p>then start vmgate again. The APIs (<code>/api</code>, <code>/broker</code>, <code>/rdv</code>) work without it.</p></main></body></html>
`;

export interface WebFaceOptions {
  /** The built app's folder; default {@link DEFAULT_ASSET_DIR}. */
  readonly assetDir?: string;
}

/** The web face over the app in `assetDir` (tests point it at a folder of their own). */
export function createWebFace(options: WebFaceOptions = {}): Face {
  return {
    name: 'web',
    title: 'Web dashboard',
    start(deps) {
      const dir = options.assetDir ?? DEFAULT_ASSET_DIR;
      const assets = loadAssets(dir);
      if (!assets) deps.log.warn({ dir }, 'web dashboard: the app is not built (npm run build); /ui/ says how to build it');
      return {
        http: [
          {
            prefix: '/ui',
            root: true,
            note: assets ? '(open in a browser; / redirects here)' : '(NOT BUILT: run npm run build, then restart)',
            register: (scope) => registerUi(scope, assets),
          },
        ],
      };
    },
  };
}

export const webFace: Face = createWebFace();

async function registerUi(app: FastifyInstance, assets: Map<string, Asset> | null): Promise<void> {
  app.removeAllContentTypeParsers();
  app.setNotFoundHandler((req, reply) => reply.code(404).header('content-type', 'text/plain; charset=utf-8').send(`nothing here: ${req.method} ${req.url.split('?')[0]!.slice(0, 200)}\n`));
  app.setErrorHandler((_err, _req, reply) => reply.code(500).header('content-type', 'text/plain; charset=utf-8').send('internal error\n'));
  const handler = (req: FastifyRequest, reply: FastifyReply): FastifyReply => serve(req, reply, assets);
  app.get('/', handler);
  app.get('/*', handler);
}

function serve(req: FastifyRequest, reply: FastifyReply, assets: Map<string, Asset> | null): FastifyReply {
  void reply.header('content-security-policy', WEB_CSP);
  const path = req.url.split('?')[0]!;
  // `/ui` itself: the app's base is `/ui/` (relative asset URLs resolve below it).
  if (path === '/ui') return reply.redirect('/ui/', 301);
  if (!assets) return reply.code(503).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);
  let rel: string;
  try {
    rel = decodeURIComponent(path.slice('/ui/'.length));
  } catch {
    return reply.code(400).header('content-type', 'text/plain; charset=utf-8').send('bad path\n');
  }
  let asset = assets.get(rel);
  if (!asset) {
    // A file-like path (an old hashed asset, a typo) is a real 404; anything else is a page of the app.
    if (rel.startsWith('assets/') || /\.[A-Za-z0-9]{1,5}$/.test(rel)) {
      reply.callNotFound();
      return reply;
    }
    asset = assets.get('index.html')!;
  }
  void reply.header('content-type', asset.type).header('cache-control', asset.cache).header('etag', asset.etag);
  if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  return reply.code(200).send(asset.body);
}
