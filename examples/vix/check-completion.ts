// Chapter 2, "Polling the Job Object for Completion": openVMWithPolling.
// Usage: check-completion.ts HOST USER PASSWORD VMX
import { VIX_INVALID_HANDLE, VIX_OK, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_NONE, VIX_PROPERTY_VM_NAME, VixHost_Disconnect, VixJob_CheckCompletion, VixVM_Open, Vix_GetProperties, Vix_ReleaseHandle } from 'vmgate/vix';
import type { VixErrorCode, VixHandle } from 'vmgate/vix';
import { argv, connectToSpecifiedHost, sleep } from './common.ts';

function openVMWithPolling(hostHandle: VixHandle, vmName: string, vmHandle: { value: VixHandle } | null): boolean {
  let err: VixErrorCode = VIX_OK;
  let jobHandle: VixHandle = VIX_INVALID_HANDLE;
  let result: unknown;

  if (!vmHandle) {
    return false;
  }
  vmHandle.value = VIX_INVALID_HANDLE;

  // Start asynchronous operation.
  jobHandle = VixVM_Open(
    hostHandle,
    vmName,
    null, // callbackProc,
    null, // clientData
  );

  // Poll the job object for completion of asynchronous operation.
  for (let completed = false; completed !== true; ) {
    sleep(1);
    [err, completed] = VixJob_CheckCompletion(jobHandle);
    if (VIX_OK !== err) {
      Vix_ReleaseHandle(jobHandle);
      return false;
    }
    [err, result] = Vix_GetProperties(jobHandle, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_NONE);
    vmHandle.value = result as VixHandle;
    if (VIX_OK !== err) {
      Vix_ReleaseHandle(jobHandle);
      vmHandle.value = VIX_INVALID_HANDLE;
      return false;
    }
    if (!completed && vmHandle.value !== VIX_INVALID_HANDLE) Vix_ReleaseHandle(vmHandle.value);
  }
  // end "for"
  Vix_ReleaseHandle(jobHandle);
  return true;
  // Caller must release vmHandle.
}

const hostHandle = connectToSpecifiedHost(argv);
const vmHandle = { value: VIX_INVALID_HANDLE };
if (openVMWithPolling(hostHandle, argv[4]!, vmHandle) && vmHandle.value !== VIX_INVALID_HANDLE) {
  console.log(`opened by polling: ${Vix_GetProperties(vmHandle.value, VIX_PROPERTY_VM_NAME, VIX_PROPERTY_NONE)[1]}`);
} else {
  console.log('the open failed');
}
Vix_ReleaseHandle(vmHandle.value);
VixHost_Disconnect(hostHandle);
