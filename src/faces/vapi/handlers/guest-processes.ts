import { implement } from '../call.ts';
import { VmGuestProcessesService } from '../types/index.ts';

export const guestProcessesHandlers = implement(VmGuestProcessesService, {});
