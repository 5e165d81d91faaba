// Chapter 2, "GetProperties() Function". Usage: get-properties.ts HOST USER PASSWORD VMX
import { VIX_INVALID_HANDLE, VIX_OK, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_NONE, VIX_PROPERTY_VM_POWER_STATE, VIX_PROPERTY_VM_VMX_PATHNAME, VixHost_Disconnect, VixJob_Wait, VixVM_Open, Vix_GetErrorText, Vix_GetProperties, Vix_ReleaseHandle } from 'vmgate/vix';
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
    // handle1 is assigned a unique value.
    // handle1 has reference count 1.
    let vmPowerState: number;
    let vmVmxPathName: string;
    let values: unknown[];
    [err, ...values] = Vix_GetProperties(vmHandle, VIX_PROPERTY_VM_VMX_PATHNAME, VIX_PROPERTY_VM_POWER_STATE, VIX_PROPERTY_NONE);
    vmVmxPathName = values[0] as string;
    vmPowerState = values[1] as number;
    console.log(`path ${vmVmxPathName}, power state 0x${vmPowerState.toString(16)}`);

    Vix_ReleaseHandle(vmHandle);
    // handle1 has been released and should no longer be used.
  }
  // abort:
  if (VIX_OK !== err) console.log(`error: ${Vix_GetErrorText(err, null)}`);
  Vix_ReleaseHandle(jobHandle);
  VixHost_Disconnect(hostHandle);
}

main(argv);
