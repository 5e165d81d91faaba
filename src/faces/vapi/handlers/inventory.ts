import { implement } from '../call.ts';
import { HostService } from '../types/index.ts';

export const INVENTORY_HANDLERS = [implement(HostService, {})];
