import type { CoreApi } from '../../core/index.ts';
import { notFound, unsupported } from '../../core/errors.ts';
import type { SecurityContext } from '../../protocols/vapi/codec/index.ts';
import { authenticate } from './auth.ts';
import type { ImplementedService, VapiCall } from './call.ts';
import { IMPLEMENTED } from './handlers/index.ts';
import type { OperationDef } from '../../protocols/vapi/types/index.ts';
import { SERVICES, findOperation } from '../../protocols/vapi/types/index.ts';

type Handler = ImplementedService['handlers'][string];

const HANDLERS = new Map<string, Handler>();
for (const impl of IMPLEMENTED) for (const [op, h] of Object.entries(impl.handlers)) if (h) HANDLERS.set(`${impl.service.id}/${op}`, h);

/** Whether vmgate implements an operation (the docs and a test list the rest). */
export function isImplemented(serviceId: string, operationId: string): boolean {
  return HANDLERS.has(`${serviceId}/${operationId}`);
}

/**
 * The one dispatcher of the face: it alone answers unknown services and operations,
 * unimplemented ones and unauthenticated calls. Both flavours call it with a decoded input.
 */
export async function invoke(
  core: CoreApi,
  serviceId: string,
  operationId: string,
  input: Record<string, unknown>,
  security: SecurityContext,
  meta: { appCtx: Readonly<Record<string, string>>; baseUrl: string; flavour: 'jsonrpc' | 'rest'; source?: string },
): Promise<unknown> {
  const handler = HANDLERS.get(`${serviceId}/${operationId}`);
  if (!handler) {
    if (!Object.hasOwn(SERVICES, serviceId)) throw notFound(`service '${serviceId}' does not exist`, { module: 'face.vapi' });
    throw unsupported(`${serviceId}.${operationId} is not implemented by vmgate`, { module: 'face.vapi' });
  }
  const auth = await authenticate(core, security, meta.source);
  const call: VapiCall = { core, caller: auth.caller, token: auth.token, appCtx: meta.appCtx, baseUrl: meta.baseUrl, flavour: meta.flavour, ...(meta.source === undefined ? {} : { source: meta.source }) };
  return handler(call, input);
}

/** The operation, or undefined; own properties only (`toString` is not an operation). */
export function operationOf(serviceId: string, operationId: string): OperationDef | undefined {
  return findOperation(serviceId, operationId);
}
