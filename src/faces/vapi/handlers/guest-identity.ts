import { implement } from '../call.ts';
import { VmGuestIdentityService } from '../types/index.ts';

export const guestIdentityHandlers = implement(VmGuestIdentityService, {});
