import { implement } from '../call.ts';
import { VmGuestPowerService } from '../types/index.ts';

export const guestPowerHandlers = implement(VmGuestPowerService, {});
