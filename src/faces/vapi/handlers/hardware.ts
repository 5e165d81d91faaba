import { implement } from '../call.ts';
import { VmHardwareService } from '../types/index.ts';

export const hardwareHandlers = implement(VmHardwareService, {});
