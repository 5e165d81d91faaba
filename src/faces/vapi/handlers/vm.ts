import { implement } from '../call.ts';
import { VMService } from '../types/index.ts';

export const vmHandlers = implement(VMService, {});
