// Chapter 2, "Opening Handles": the same VM opened twice is the same handle, released once per open. Usage: open-twice.ts HOST USER PASSWORD VMX
import { VIX_E_INVALID_HANDLE, VIX_INVALID_HANDLE, VIX_OK, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_NONE, VIX_PROPERTY_VM_NAME, VixHost_Disconnect, VixJob_Wait, VixVM_Open, Vix_GetErrorText, Vix_GetProperties, Vix_ReleaseHandle } from 'vmgate/vix';
import type { VixErrorCode, VixHandle } from 'vmgate/vix';
import { argv, connectToSpecifiedHost } from './common.ts';

function main(argv: string[]): void {
  const hostHandle = connectToSpecifiedHost(argv);
  const vmxFilePath = argv[4]!;
  let jobHandle: VixHandle = VIX_INVALID_HANDLE;
  let err: VixErrorCode = VIX_OK;
  let result: unknown;

  abort: {
    let handle1: VixHandle = VIX_INVALID_HANDLE;
    let handle2: VixHandle = VIX_INVALID_HANDLE;

    jobHandle = VixVM_Open(hostHandle, vmxFilePath, null, null);
    [err, result] = VixJob_Wait(jobHandle, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_NONE);
    handle1 = result as VixHandle;
    Vix_ReleaseHandle(jobHandle);
    if (VIX_OK !== err) break abort;
    // handle1 is assigned a unique value.
    // handle1 has reference count 1.

    jobHandle = VixVM_Open(hostHandle, vmxFilePath, null, null);
    [err, result] = VixJob_Wait(jobHandle, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_NONE);
    handle2 = result as VixHandle;
    Vix_ReleaseHandle(jobHandle);
    if (VIX_OK !== err) break abort;
    // handle2 has the same value as handle1.
    // handle1 has reference count 2.
    console.log(`handle1 == handle2: ${handle1 === handle2}`);

    Vix_ReleaseHandle(handle1);
    // handle1 has reference count 1.

    // The handle still can be safely used here.
    console.log(`after one release: ${Vix_GetProperties(handle1, VIX_PROPERTY_VM_NAME, VIX_PROPERTY_NONE)[1]}`);

    Vix_ReleaseHandle(handle1);
    // handle1 has been released and should no longer be used.
    console.log(`after two releases: ${Vix_GetProperties(handle1, VIX_PROPERTY_VM_NAME, VIX_PROPERTY_NONE)[0] === VIX_E_INVALID_HANDLE ? 'VIX_E_INVALID_HANDLE' : 'still valid'}`);
  }
  // abort:
  if (VIX_OK !== err) console.log(`error: ${Vix_GetErrorText(err, null)}`);
  Vix_ReleaseHandle(jobHandle);
  VixHost_Disconnect(hostHandle);
}

main(argv);
