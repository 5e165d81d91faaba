/**
 * One vAPI operation in either flavour against a test server, checked the way an official
 * binding would see it:
 *
 * - REST: the request built from the registry's route, the reply (success or error, status
 *   included) validated against the vSphere 7.0.3 spec of that route;
 * - JSON-RPC (`POST /api`, `invoke`): every structure and error name on the wire names a
 *   7.0.3 type (`com.vmware.vcenter.vm.hardware.cpu.info` ↔ `VcenterVmHardwareCpuInfo`),
 *   and the output decodes as the operation's declared type.
 *
 * ```ts
 * const r = await vapiCall(s, token, 'jsonrpc', 'com.vmware.vcenter.vm.hardware.cpu', 'get', { vm });
 * assert.deepEqual(r, { value: { count: 1, … } });
 * ```
 * Errors come back as `{ error: 'not_found', message }` in both flavours (REST's
 * `NOT_FOUND` lowered), so one expectation fits both.
 */
import assert from 'node:assert/strict';
import { buildRestRequest, decodeOperationOutput, decodeRestOutput, encodeOperationInput } from '../../src/protocols/vapi/codec/index.ts';
import { findOperation } from '../../src/protocols/vapi/types/index.ts';
import { validateResponse, wireStructureNameProblems } from './spec-validator.ts';
import type { TestServer } from './test-server.ts';

export type Flavour = 'rest' | 'jsonrpc';
export const FLAVOURS: readonly Flavour[] = ['rest', 'jsonrpc'];

export interface VapiCallResult {
  /** The decoded output (undefined for a void operation or an error). */
  readonly value?: unknown;
  /** The std error's kind in lower case (`not_found`), when the call failed. */
  readonly error?: string;
  /** The error's messages, joined with ' / '. */
  readonly message?: string;
  /** The HTTP status (always 200 on JSON-RPC). */
  readonly status: number;
}

type Server = Pick<TestServer, 'request'>;

export interface VapiCallOptions {
  /**
   * An error the 7.0.3 spec does not declare for the operation but vmgate answers on
   * purpose (e.g. `not_allowed_in_current_state` for removing a NIC of a running VM, which
   * vCenter hot-removes): accepted when the reply is that std error, well formed. The
   * test names each one, so an undeclared error is never accepted by accident.
   */
  readonly undeclaredError?: string;
}

export async function vapiCall(s: Server, token: string, flavour: Flavour, serviceId: string, operationId: string, input: Record<string, unknown>, options: VapiCallOptions = {}): Promise<VapiCallResult> {
  const op = findOperation(serviceId, operationId);
  assert.ok(op, `${serviceId}.${operationId} is in the registry`);
  const what = `${flavour} ${serviceId}.${operationId}`;
  if (flavour === 'rest') {
    const b = buildRestRequest(op, input);
    const r = await s.request(b.method, b.path, {
      headers: { 'vmware-api-session-id': token, ...(b.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(b.body === undefined ? {} : { body: JSON.stringify(b.body) }),
    });
    const body: unknown = r.body === '' ? undefined : JSON.parse(r.body);
    const undeclared = options.undeclaredError !== undefined && r.status >= 400 && (body as { error_type?: unknown } | undefined)?.error_type === options.undeclaredError.toUpperCase();
    if (undeclared) assertStdErrorBody(body, what);
    else if (!op.rest.path.startsWith('/api/vmgate/')) assert.deepEqual(validateResponse(op.rest.method, op.rest.path, r.status, body), [], `${what}: ${b.method} ${b.path} → ${r.status} ${r.body.slice(0, 400)}`);
    if (r.status >= 400) {
      const e = body as { error_type: string; messages: { default_message: string }[] };
      return { error: e.error_type.toLowerCase(), message: e.messages.map((m) => m.default_message).join(' / '), status: r.status };
    }
    assert.equal(r.status, op.rest.status, `${what}: the success status`);
    const out = decodeRestOutput(op, body);
    assert.ok(out.ok, `${what}: ${JSON.stringify(out)}`);
    return out.value === undefined ? { status: r.status } : { value: out.value, status: r.status };
  }
  const r = await s.request('POST', '/api', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'invoke', id: 'call-1', params: { serviceId, operationId, input: encodeOperationInput(op, input), ctx: { appCtx: {}, securityCtx: { schemeId: 'com.vmware.vapi.std.security.session_id', sessionId: token } } } }),
  });
  assert.equal(r.status, 200, `${what}: ${r.body.slice(0, 400)}`);
  const j = JSON.parse(r.body) as { result: { output?: unknown; error?: { ERROR: Record<string, { messages: { STRUCTURE: Record<string, { default_message: string }> }[] }> } } };
  assert.deepEqual(wireStructureNameProblems(j.result), [], `${what}: ${r.body.slice(0, 400)}`);
  if (j.result.error) {
    const [name, fields] = Object.entries(j.result.error.ERROR)[0]!;
    const declared = op.errors.includes(name) || name === 'com.vmware.vapi.std.errors.unauthenticated' || name === `com.vmware.vapi.std.errors.${options.undeclaredError ?? ''}`;
    assert.ok(declared, `${what}: ${name} is an error the operation declares`);
    return { error: name.replace('com.vmware.vapi.std.errors.', ''), message: fields.messages.map((m) => Object.values(m.STRUCTURE)[0]!.default_message).join(' / '), status: r.status };
  }
  const out = decodeOperationOutput(op, j.result.output);
  assert.ok(out.ok, `${what}: ${JSON.stringify(out)}`);
  return out.value === undefined ? { status: r.status } : { value: out.value, status: r.status };
}

/** A REST std error body: `error_type` and `messages` of localizable messages. */
function assertStdErrorBody(body: unknown, what: string): void {
  const e = body as { error_type?: unknown; messages?: { id?: unknown; default_message?: unknown; args?: unknown }[] };
  assert.equal(typeof e.error_type, 'string', `${what}: error_type`);
  assert.ok(Array.isArray(e.messages) && e.messages.length > 0, `${what}: messages`);
  for (const m of e.messages) assert.ok(typeof m.id === 'string' && typeof m.default_message === 'string' && Array.isArray(m.args), `${what}: a localizable message ${JSON.stringify(m)}`);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/**
 * A REST request by path (`template` is its route in the spec): the reply, error or not,
 * validated against the vSphere 7.0.3 spec; the status and the parsed body.
 */
export async function restChecked(s: Server, token: string, method: string, template: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const r = await s.request(method, path, {
    headers: { 'vmware-api-session-id': token, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const parsed = r.body === '' ? undefined : (JSON.parse(r.body) as Json);
  assert.deepEqual(validateResponse(method, template, r.status, parsed), [], `${method} ${path} → ${r.status} ${r.body.slice(0, 400)}`);
  return { status: r.status, body: parsed };
}

/**
 * A JSON-RPC `invoke` with the input encoded as the SDK encodes it: the decoded output, or
 * the std error's name (`not_found`) and first message; `raw` is the whole reply.
 */
export async function rpcInvoke(s: Server, token: string, serviceId: string, operationId: string, input: Record<string, unknown> = {}): Promise<{ output?: Json; error?: string; message?: string; raw: Json }> {
  const op = findOperation(serviceId, operationId);
  assert.ok(op, `${serviceId}.${operationId} is in the registry`);
  const r = await s.request('POST', '/api', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'invoke', id: 'rpc', params: { serviceId, operationId, input: encodeOperationInput(op, input), ctx: { appCtx: {}, securityCtx: { schemeId: 'com.vmware.vapi.std.security.session_id', sessionId: token } } } }),
  });
  const json = JSON.parse(r.body) as Json;
  if (json.result.error) {
    const [name, fields] = Object.entries(json.result.error.ERROR as Record<string, Json>)[0]!;
    return { error: name.replace('com.vmware.vapi.std.errors.', ''), message: fields.messages[0].STRUCTURE['com.vmware.vapi.std.localizable_message'].default_message, raw: json };
  }
  const out = decodeOperationOutput(op, json.result.output);
  assert.ok(out.ok, JSON.stringify(json.result.output).slice(0, 300));
  return { output: out.value as Json, raw: json };
}
