import type { Caller, CoreApi } from '../../core/index.ts';
import type { InputOf, OperationDef, OutputOf, ServiceDef } from '../../protocols/vapi/types/index.ts';

/** What a handler gets: core, who calls, and a little about the request. */
export interface VapiCall {
  readonly core: CoreApi;
  readonly caller: Caller;
  /** The session token the call came with (session.delete / get need it), or null. */
  readonly token: string | null;
  /** The application context (`opId`, …). */
  readonly appCtx: Readonly<Record<string, string>>;
  /** `https://host:port` as the client reached us: for URLs handed back (file transfers). */
  readonly baseUrl: string;
  readonly flavour: 'jsonrpc' | 'rest';
  /** The client's address (the socket's: proxies are not trusted); logins are throttled by it. */
  readonly source?: string;
}

export type OperationHandler<Op extends OperationDef> = (call: VapiCall, input: InputOf<Op>) => Promise<OutputOf<Op>>;

export type ServiceHandlers<S extends ServiceDef> = {
  readonly [K in keyof S['operations'] & string]?: OperationHandler<S['operations'][K]>;
};

export interface ImplementedService {
  readonly service: ServiceDef;
  readonly handlers: Readonly<Record<string, (call: VapiCall, input: Record<string, unknown>) => Promise<unknown>>>;
}

/** Binds handlers to a service definition, typed by its operations. */
export function implement<S extends ServiceDef>(service: S, handlers: ServiceHandlers<S>): ImplementedService {
  return { service, handlers: handlers as unknown as ImplementedService['handlers'] };
}
