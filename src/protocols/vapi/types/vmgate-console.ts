/**
 * com.vmgate.vm.console: the console of a running VM for a VNC client that connects
 * itself — its address and a one-time VNC password (accepted once, within a minute). What
 * `vmgate vm console` prints as a `vnc://` URL. A vmgate addition; REST
 * `POST /api/vmgate/vm/{vm}/console?action=open`.
 *
 * `com.vmgate.vm.console.info`: `protocol` (VNC), `host` and `port` (the server's
 * `--console-address` and the VM's display port), `password` (8 characters; VNC
 * authentication), `url` (`vnc://:<password>@<host>:<port>`).
 */
import type { Infer } from './vapi-type.ts';
import { id, long, secret, string, struct, uri } from './vapi-type.ts';
import { operation, service } from './operation.ts';

export const VmgateConsoleInfo = struct('com.vmgate.vm.console.info', {
  protocol: string(),
  host: string(),
  port: long(),
  password: secret(),
  url: uri(),
});
export type VmgateConsoleInfo = Infer<typeof VmgateConsoleInfo>;

export const VmgateConsoleService = service('com.vmgate.vm.console', {
  open: operation({
    input: { vm: id('VirtualMachine') },
    output: VmgateConsoleInfo,
    errors: ['error', 'not_allowed_in_current_state', 'not_found', 'service_unavailable', 'unauthenticated', 'unauthorized', 'unsupported'],
    rest: { method: 'POST', path: '/api/vmgate/vm/{vm}/console?action=open', status: 200 },
  }),
});
