// Chapter 2, "Using a Callback Function" (the multi-threaded event model): the callback
// runs when the open completes, on its own; main does not wait for the job.
// Usage: callback.ts HOST USER PASSWORD VMX
import { VIX_API_VERSION, VIX_EVENTTYPE_CALLBACK_SIGNALLED, VIX_INVALID_HANDLE, VIX_OK, VIX_PROPERTY_JOB_RESULT_ERROR_CODE, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_NONE, VIX_PROPERTY_VM_NAME, VIX_SERVICEPROVIDER_VMWARE_SERVER, VixHost_Connect, VixHost_Disconnect, VixJob_Wait, VixVM_Open, Vix_GetErrorText, Vix_GetProperties, Vix_ReleaseHandle } from 'vmgate/vix';
import type { VixErrorCode, VixHandle } from 'vmgate/vix';
import { argv } from './common.ts';

let hostHandle: VixHandle = VIX_INVALID_HANDLE;

function myCallback(jobHandle: VixHandle, eventType: number, _moreEventInfo: VixHandle, clientData: unknown): void {
  let err: VixErrorCode;
  let asyncErr: VixErrorCode;
  let vmHandle: VixHandle = VIX_INVALID_HANDLE;
  let result: unknown;
  let code: unknown;

  /*
   * Ignore progress callbacks. Check only for final signal.
   */
  if (VIX_EVENTTYPE_CALLBACK_SIGNALLED !== eventType) {
    return;
  }

  [err, result, code] = Vix_GetProperties(jobHandle, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_JOB_RESULT_ERROR_CODE, VIX_PROPERTY_NONE);
  vmHandle = result as VixHandle;
  asyncErr = code as VixErrorCode;

  Vix_ReleaseHandle(jobHandle);

  if (VIX_OK !== asyncErr) {
    /*
     * The open failed.
     */
    console.log(`callback (${String(clientData)}): the open failed: ${Vix_GetErrorText(asyncErr, null)}`);
  } else {
    console.log(`callback (${String(clientData)}): opened ${Vix_GetProperties(vmHandle, VIX_PROPERTY_VM_NAME, VIX_PROPERTY_NONE)[1]} (${Vix_GetErrorText(err, null)})`);
  }
  Vix_ReleaseHandle(vmHandle);
  VixHost_Disconnect(hostHandle);
}

function main(): void {
  let err: VixErrorCode = VIX_OK;
  let jobHandle: VixHandle = VIX_INVALID_HANDLE;
  const contextData = 'Hello, Vix';
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

    // Block for host connection to complete.
    [err, result] = VixJob_Wait(jobHandle, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_NONE);
    hostHandle = result as VixHandle;
    Vix_ReleaseHandle(jobHandle);
    if (VIX_OK !== err) {
      break abort;
    }

    // Use callback function to capture completion of virtual machine open.
    jobHandle = VixVM_Open(hostHandle, argv[4]!, myCallback, contextData);

    /*
     * Do something, like pump a message pump.
     * Later, myCallback will be invoked on another thread.
     */
    console.log('main: the open is under way');
  }
  // abort:
  if (VIX_OK !== err) console.log(`error: ${Vix_GetErrorText(err, null)}`);
}

main();
