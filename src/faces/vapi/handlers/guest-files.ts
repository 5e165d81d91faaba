import { implement } from '../call.ts';
import { VmGuestFilesystemFilesService } from '../types/index.ts';

export const guestFilesHandlers = implement(VmGuestFilesystemFilesService, {});
