import type { FastifyInstance } from 'fastify';
import type { Core, Logger } from '../core/index.ts';

/** What every face gets: core, and nothing below it. */
export interface FaceDeps {
  readonly core: Core;
  readonly log: Logger;
  readonly version: string;
  /** `--public-url` (`https://name:port`): the base of URLs handed to clients; absent = the listener's own address. Never the Host header. */
  readonly publicUrl?: string | null;
}

/** An HTTP face is a fastify plugin: its own routes, auth hook and error handler. */
export interface HttpFace {
  readonly name: string;
  /** Path prefixes it owns, for the start-up banner. */
  readonly paths: readonly string[];
  register(app: FastifyInstance, deps: FaceDeps): Promise<void>;
}
