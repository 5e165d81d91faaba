// Chapter 3, "Connecting to the Local Host as the Current User" (a one-time ticket file only this OS account can read). Usage: connect-current-user.ts
import { VIX_API_VERSION, VIX_FIND_REGISTERED_VMS, VIX_INVALID_HANDLE, VIX_OK, VIX_PROPERTY_FOUND_ITEM_LOCATION, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_NONE, VIX_SERVICEPROVIDER_VMWARE_SERVER, VixHost_Connect, VixHost_FindItems, VixJob_GetNumProperties, VixJob_Wait, Vix_GetErrorText, Vix_ReleaseHandle } from 'vmgate/vix';
import type { VixErrorCode, VixHandle } from 'vmgate/vix';
import { argv } from './common.ts';

function main(_argv: string[]): void {
  let hostHandle: VixHandle = VIX_INVALID_HANDLE;
  let jobHandle: VixHandle = VIX_INVALID_HANDLE;
  let err: VixErrorCode;
  let result: unknown;

  abort: {
    // Connect as current user on local host.
    jobHandle = VixHost_Connect(
      VIX_API_VERSION,
      VIX_SERVICEPROVIDER_VMWARE_SERVER,
      null, // hostName
      0, // hostPort
      null, // userName
      null, // password,
      0, // options
      VIX_INVALID_HANDLE, // propertyListHandle
      null, // callbackProc
      null, // clientData
    );
    [err, result] = VixJob_Wait(jobHandle, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_NONE);
    hostHandle = result as VixHandle;
    if (VIX_OK !== err) {
      // Handle the error...
      console.log(`error: ${Vix_GetErrorText(err, null)}`);
      break abort;
    }
    Vix_ReleaseHandle(jobHandle);
    // Other code goes here...
    jobHandle = VixHost_FindItems(hostHandle, VIX_FIND_REGISTERED_VMS, VIX_INVALID_HANDLE, -1, null, null);
    [err] = VixJob_Wait(jobHandle, VIX_PROPERTY_NONE);
    console.log(`connected as the current user: ${VixJob_GetNumProperties(jobHandle, VIX_PROPERTY_FOUND_ITEM_LOCATION) > 0 ? 'registered VMs are visible' : 'no VMs'} (${Vix_GetErrorText(err, null)})`);
  }
  // abort:
  Vix_ReleaseHandle(jobHandle);
  Vix_ReleaseHandle(hostHandle);
}

main(argv);
