// Chapter 2, "Using the Job Object to Block Calls" and "Retrieving Results from Job Object
// Properties": VixJob_Wait, then Vix_GetProperties on the job, then VixJob_Wait collecting
// the result handle. Usage: job-wait.ts HOST USER PASSWORD VMX
import { VIX_API_VERSION, VIX_INVALID_HANDLE, VIX_OK, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_NONE, VIX_PROPERTY_VM_NAME, VIX_SERVICEPROVIDER_VMWARE_SERVER, VixHost_Connect, VixHost_Disconnect, VixJob_Wait, VixVM_Open, Vix_GetErrorText, Vix_GetProperties, Vix_ReleaseHandle } from 'vmgate/vix';
import type { VixErrorCode, VixHandle } from 'vmgate/vix';
import { argv } from './common.ts';

function main(argv: string[]): void {
  let hostHandle: VixHandle = VIX_INVALID_HANDLE;
  let jobHandle: VixHandle = VIX_INVALID_HANDLE;
  let vmHandle: VixHandle = VIX_INVALID_HANDLE;
  let err: VixErrorCode;
  let result: unknown;

  abort: {
    jobHandle = VixHost_Connect(
      VIX_API_VERSION,
      VIX_SERVICEPROVIDER_VMWARE_SERVER,
      argv[1]!, // hostName
      0, // hostPort
      argv[2]!, // username
      argv[3]!, // password
      0, // options
      VIX_INVALID_HANDLE, // propertyListHandle
      null, // callbackProc
      null, // clientData
    );

    // Wait for completion of operation.
    [err] = VixJob_Wait(jobHandle, VIX_PROPERTY_NONE);
    if (VIX_OK !== err) {
      break abort;
    }

    // Collect desired result of operation.
    [err, result] = Vix_GetProperties(jobHandle, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_NONE);
    hostHandle = result as VixHandle;

    // Release handle when done.
    Vix_ReleaseHandle(jobHandle);
    console.log(`connected: ${Vix_GetErrorText(err, null)}`);

    // Start asynchronous operation.
    jobHandle = VixVM_Open(
      hostHandle,
      argv[4]!,
      null, // callbackProc
      null, // clientData
    );

    // Wait for completion of operation. Collect result handle.
    [err, result] = VixJob_Wait(jobHandle, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_NONE);
    vmHandle = result as VixHandle;

    // Release handle when done.
    Vix_ReleaseHandle(jobHandle);
    if (VIX_OK !== err) break abort;
    console.log(`opened ${Vix_GetProperties(vmHandle, VIX_PROPERTY_VM_NAME, VIX_PROPERTY_NONE)[1]}`);
  }
  // abort:
  if (VIX_OK !== err) console.log(`error: ${Vix_GetErrorText(err, null)}`);
  Vix_ReleaseHandle(vmHandle);
  VixHost_Disconnect(hostHandle);
}

main(argv);
