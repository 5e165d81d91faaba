// Chapter 3, "Registering a Virtual Machine". Usage: register-vm.ts HOST USER PASSWORD VMX
import { VIX_INVALID_HANDLE, VIX_OK, VIX_PROPERTY_NONE, VixHost_Disconnect, VixHost_RegisterVM, VixJob_Wait, Vix_GetErrorText, Vix_ReleaseHandle } from 'vmgate/vix';
import type { VixErrorCode, VixHandle } from 'vmgate/vix';
import { argv, connectToSpecifiedHost } from './common.ts';

function main(argv: string[]): void {
  const hostHandle = connectToSpecifiedHost(argv);
  const vmxFilePath = argv[4]!;
  let jobHandle: VixHandle = VIX_INVALID_HANDLE;
  let err: VixErrorCode = VIX_OK;

  abort: {
    // Add virtual machine to host's inventory.
    jobHandle = VixHost_RegisterVM(
      hostHandle,
      vmxFilePath,
      null, // callbackProc,
      null, // clientData
    );
    [err] = VixJob_Wait(jobHandle, VIX_PROPERTY_NONE);
    if (VIX_OK !== err) {
      // Handle the error...
      break abort;
    }
    Vix_ReleaseHandle(jobHandle);
    console.log(`registered ${vmxFilePath}`);
  }
  // abort:
  if (VIX_OK !== err) console.log(`error: ${Vix_GetErrorText(err, null)}`);
  Vix_ReleaseHandle(jobHandle);
  VixHost_Disconnect(hostHandle);
}

main(argv);
