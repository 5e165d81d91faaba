import { implement } from '../call.ts';
import { VmGuestFilesystemDirectoriesService } from '../types/index.ts';

export const guestDirectoriesHandlers = implement(VmGuestFilesystemDirectoriesService, {});
