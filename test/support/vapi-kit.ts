/**
 * Shared setup for vAPI face tests: one fresh server per test file (registered as the
 * file's before/after hooks), an admin session, a typed client in either flavour, raw
 * REST calls for statuses, and an assertion on VapiError types.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { VapiClient, VapiError } from '../../src/clients/vapi/index.ts';
import type { VapiFlavour } from '../../src/clients/vapi/index.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from './test-server.ts';

export interface VapiKit {
  /** The running server (valid inside tests, after the file's `before`). */
  readonly s: TestServer;
  /** The administrator's session token. */
  readonly adminToken: string;
  client(flavour: VapiFlavour): VapiClient;
  /** A raw REST call as the administrator (or with `token` / HTTP Basic `basic`); JSON body in and out. */
  rest(method: string, path: string, opts?: { body?: unknown; token?: string; basic?: string }): Promise<{ status: number; json: unknown }>;
}

export function useVapiServer(): VapiKit {
  let server: TestServer | undefined;
  let token: string | undefined;
  const kit: VapiKit = {
    get s() {
      assert.ok(server, 'the test server starts in the file’s before hook');
      return server;
    },
    get adminToken() {
      assert.ok(token, 'the admin session is made in the file’s before hook');
      return token;
    },
    client: (flavour) => new VapiClient({ server: kit.s.baseUrl, flavour, ca: kit.s.ca }),
    async rest(method, path, opts = {}) {
      const headers: Record<string, string> = {};
      if (opts.basic !== undefined) headers.authorization = `Basic ${Buffer.from(opts.basic).toString('base64')}`;
      else headers['vmware-api-session-id'] = opts.token ?? kit.adminToken;
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      const r = await kit.s.request(method, path, { headers, ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }) });
      return { status: r.status, json: r.body === '' ? undefined : (JSON.parse(r.body) as unknown) };
    },
  };
  before(async () => {
    server = await startTestServer();
    const c = kit.client('rest');
    token = await c.login('administrator', ADMIN_PASSWORD);
    c.close();
  });
  after(async () => server?.close());
  return kit;
}

/** Awaits `p` and asserts it fails with a VapiError of `errorType` (and a message matching `text`). */
export async function rejectsWith(p: Promise<unknown>, errorType: string, text?: RegExp): Promise<VapiError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof VapiError, String(e));
    assert.equal(e.errorType, errorType, e.message);
    if (text) assert.match(e.message, text);
    return e;
  }
  assert.fail(`expected ${errorType}`);
}
