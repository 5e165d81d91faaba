import type { FastifyInstance } from 'fastify';
import type { Core, Logger } from '../core/index.ts';

/** What every face gets: core, and nothing below it. */
export interface FaceDeps {
  readonly core: Core;
  readonly log: Logger;
  readonly version: string;
}

/** An HTTP face is a fastify plugin: its own routes, auth hook and error handler. */
export interface HttpFace {
  readonly name: string;
  /** Path prefixes it owns, for the start-up banner. */
  readonly paths: readonly string[];
  register(app: FastifyInstance, deps: FaceDeps): Promise<void>;
}
