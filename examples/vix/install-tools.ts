// Chapter 3, "Installing VMware Tools in a Virtual Machine" (vmgate has no tools image: VIX_E_NOT_SUPPORTED). Usage: install-tools.ts HOST USER PASSWORD VMX
import { VIX_INVALID_HANDLE, VIX_OK, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_NONE, VixHost_Disconnect, VixJob_Wait, VixVM_InstallTools, VixVM_Open, Vix_GetErrorText, Vix_ReleaseHandle } from 'vmgate/vix';
import type { VixErrorCode, VixHandle } from 'vmgate/vix';
import { argv, connectToSpecifiedHost } from './common.ts';

function main(argv: string[]): void {
  const hostHandle = connectToSpecifiedHost(argv);
  const vmxFilePath = argv[4]!;
  let jobHandle: VixHandle = VIX_INVALID_HANDLE;
  let err: VixErrorCode = VIX_OK;
  let vmHandle: VixHandle = VIX_INVALID_HANDLE;
  let result: unknown;

  abort: {
    // Open virtual machine and get a handle.
    jobHandle = VixVM_Open(
      hostHandle,
      vmxFilePath,
      null, // callbackProc
      null, // clientData
    );
    [err, result] = VixJob_Wait(jobHandle, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_NONE);
    vmHandle = result as VixHandle;
    if (VIX_OK !== err) {
      // Handle the error...
      break abort;
    }
    Vix_ReleaseHandle(jobHandle);
    // Mount virtual CD-ROM with VMware Tools installer.
    jobHandle = VixVM_InstallTools(
      vmHandle,
      0, // options
      null, // commandLineArgs
      null, // callbackProc
      null, // clientData
    );
    [err] = VixJob_Wait(jobHandle, VIX_PROPERTY_NONE);
    if (VIX_OK !== err) {
      // Handle the error...
      break abort;
    }
    Vix_ReleaseHandle(jobHandle);
    console.log('tools installer mounted');
  }
  // abort:
  if (VIX_OK !== err) console.log(`error: ${Vix_GetErrorText(err, null)}`);
  Vix_ReleaseHandle(jobHandle);
  VixHost_Disconnect(hostHandle);
}

main(argv);
