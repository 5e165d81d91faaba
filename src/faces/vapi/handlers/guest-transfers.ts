import { implement } from '../call.ts';
import { VmGuestFilesystemTransfersService } from '../types/index.ts';

export const guestTransfersHandlers = implement(VmGuestFilesystemTransfersService, {});
