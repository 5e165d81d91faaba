// Chapter 3, "Resuming a Suspended Virtual Machine". Usage: resume.ts HOST USER PASSWORD VMX
import { VIX_INVALID_HANDLE, VIX_OK, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_NONE, VIX_PROPERTY_VM_POWER_STATE, VIX_PROPERTY_VM_TOOLS_STATE, VIX_TOOLSSTATE_RUNNING, VixHost_Disconnect, VixJob_Wait, VixVM_Open, VixVM_PowerOn, VixVM_WaitForToolsInGuest, Vix_GetErrorText, Vix_GetProperties, Vix_ReleaseHandle } from 'vmgate/vix';
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
    let toolsState = 0;
    // Resume suspended virtual machine.
    jobHandle = VixVM_PowerOn(
      vmHandle,
      0, // powerOnOptions,
      VIX_INVALID_HANDLE, // propertyListHandle,
      null, // callbackProc,
      null, // clientData
    );
    [err] = VixJob_Wait(jobHandle, VIX_PROPERTY_NONE);
    if (VIX_OK !== err) {
      // Handle the error...
      break abort;
    }
    Vix_ReleaseHandle(jobHandle);
    // Check if VMware Tools active.
    [err, result] = Vix_GetProperties(vmHandle, VIX_PROPERTY_VM_TOOLS_STATE, VIX_PROPERTY_NONE);
    toolsState = result as number;
    if (VIX_OK !== err) {
      // Handle the error...
      break abort;
    }
    Vix_ReleaseHandle(jobHandle);
    console.log(`tools state after resume: ${toolsState}`);
    if (VIX_TOOLSSTATE_RUNNING !== toolsState) {
      // Wait for VMware Tools to be active.
      jobHandle = VixVM_WaitForToolsInGuest(
        vmHandle,
        120, // timeoutInSeconds,
        null, // callbackProc,
        null, // clientData
      );
      [err] = VixJob_Wait(jobHandle, VIX_PROPERTY_NONE);
      if (VIX_OK !== err) {
        // Handle the timeout...
      }
      Vix_ReleaseHandle(jobHandle);
    }
    console.log(`resumed: power state 0x${(Vix_GetProperties(vmHandle, VIX_PROPERTY_VM_POWER_STATE, VIX_PROPERTY_NONE)[1] as number).toString(16)}`);
  }
  // abort:
  if (VIX_OK !== err) console.log(`error: ${Vix_GetErrorText(err, null)}`);
  Vix_ReleaseHandle(jobHandle);
  VixHost_Disconnect(hostHandle);
}

main(argv);
