// Chapter 3, "Powering Off a Virtual Machine", then polling its power state. Usage: power-off.ts HOST USER PASSWORD VMX
import { VIX_INVALID_HANDLE, VIX_OK, VIX_POWERSTATE_POWERED_OFF, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_NONE, VIX_PROPERTY_VM_POWER_STATE, VixHost_Disconnect, VixJob_Wait, VixVM_Open, VixVM_PowerOff, Vix_GetErrorText, Vix_GetProperties, Vix_ReleaseHandle } from 'vmgate/vix';
import type { VixErrorCode, VixHandle } from 'vmgate/vix';
import { argv, connectToSpecifiedHost, sleep } from './common.ts';

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
    // Power off the virtual machine.
    jobHandle = VixVM_PowerOff(
      vmHandle,
      0, // powerOffOptions,
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
    // Verify the virtual machine is off.
    let powerState = 0;
    while (VIX_POWERSTATE_POWERED_OFF !== powerState) {
      [err, result] = Vix_GetProperties(vmHandle, VIX_PROPERTY_VM_POWER_STATE, VIX_PROPERTY_NONE);
      powerState = result as number;
      if (VIX_OK !== err) {
        // Handle the error...
        break abort;
      }
      sleep(1);
    }
    console.log(`powered off: power state 0x${powerState.toString(16)}`);
  }
  // abort:
  if (VIX_OK !== err) console.log(`error: ${Vix_GetErrorText(err, null)}`);
  Vix_ReleaseHandle(jobHandle);
  VixHost_Disconnect(hostHandle);
}

main(argv);
