import type { FastifyInstance } from 'fastify';
import type { Core, Logger } from '../../core/index.ts';

/** Guest file transfer URLs (`/guestFile/...`) handed out by vm.guest.filesystem.create. */
export function registerTransfers(_app: FastifyInstance, _core: Core, _log: Logger): void {
  // Filled in with the guest filesystem handlers.
}
