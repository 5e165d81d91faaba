// Chapter 2, "Using a Callback Function in a Single-Threaded Client": the connect's
// callback runs inside Vix_PumpEvents; main pumps until it did.
// Usage: pump-callback.ts HOST USER PASSWORD
import { VIX_API_VERSION, VIX_EVENTTYPE_CALLBACK_SIGNALLED, VIX_INVALID_HANDLE, VIX_OK, VIX_PROPERTY_JOB_RESULT_ERROR_CODE, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_NONE, VIX_SERVICEPROVIDER_VMWARE_SERVER, VixHost_Connect, VixHost_Disconnect, Vix_GetProperties, Vix_PumpEvents, Vix_ReleaseHandle } from 'vmgate/vix';
import type { VixErrorCode, VixHandle } from 'vmgate/vix';
import { argv } from './common.ts';

let handleCallbackDone = false;

function handleCallback(jobHandle: VixHandle, eventType: number, _moreEventInfo: VixHandle, clientData: unknown): void {
  /*
   * This function is invoked on completion of an asynchronous operation.
   * If the operation succeeded, this function returns a handle
   * that resulted from the asynchronous operation.
   */
  let err: VixErrorCode;
  let asyncErr: VixErrorCode;
  let resultHandle: VixHandle = VIX_INVALID_HANDLE;
  let result: unknown;
  let code: unknown;
  const out = clientData as { value: VixHandle };

  /*
   * Ignore progress callbacks. Check only for final signal.
   */
  if (VIX_EVENTTYPE_CALLBACK_SIGNALLED !== eventType) {
    return;
  }

  [err, result, code] = Vix_GetProperties(jobHandle, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_JOB_RESULT_ERROR_CODE, VIX_PROPERTY_NONE);
  resultHandle = result as VixHandle;
  asyncErr = code as VixErrorCode;
  // Release handle when done.
  Vix_ReleaseHandle(jobHandle);
  if (VIX_OK !== err) {
    // Failed to get properties. Bail.
    out.value = VIX_INVALID_HANDLE;
    handleCallbackDone = true;
    return;
  }

  if (VIX_OK === asyncErr) {
    out.value = resultHandle;
  } else {
    // The asynchronous operation failed. Bail.
    out.value = VIX_INVALID_HANDLE;
  }
  handleCallbackDone = true;
} // end handleCallback

function main(): void {
  const hostHandle = { value: VIX_INVALID_HANDLE };
  let jobHandle: VixHandle = VIX_INVALID_HANDLE;

  jobHandle = VixHost_Connect(
    VIX_API_VERSION,
    VIX_SERVICEPROVIDER_VMWARE_SERVER,
    argv[1]!, // hostName
    0, // hostPort
    argv[2]!, // username
    argv[3]!, // password
    0, // options
    VIX_INVALID_HANDLE, // propertyListHandle
    handleCallback,
    hostHandle,
  );

  // Release handle, if not using it.
  Vix_ReleaseHandle(jobHandle);

  // Pump events and wait for callback.
  handleCallbackDone = false;
  let pumps = 0;
  while (!handleCallbackDone) {
    Vix_PumpEvents();
    pumps++;
  }
  if (VIX_INVALID_HANDLE === hostHandle.value) {
    console.log(':-(');
  } else {
    console.log(':-)');
  }
  console.error(`(${pumps} pumps)`);
  VixHost_Disconnect(hostHandle.value);
} // end main

main();
