// Chapter 3, "Connecting to the Local Host as a Specified User". Usage: connect-local-user.ts USER PASSWORD
import { VIX_API_VERSION, VIX_INVALID_HANDLE, VIX_OK, VIX_PROPERTY_HOST_HOSTTYPE, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_NONE, VIX_SERVICEPROVIDER_VMWARE_SERVER, VixHost_Connect, VixJob_Wait, Vix_GetErrorText, Vix_GetProperties, Vix_ReleaseHandle } from 'vmgate/vix';
import type { VixErrorCode, VixHandle } from 'vmgate/vix';
import { argv } from './common.ts';

function main(argv: string[]): void {
  let hostHandle: VixHandle = VIX_INVALID_HANDLE;
  let jobHandle: VixHandle = VIX_INVALID_HANDLE;
  let err: VixErrorCode;
  let result: unknown;

  abort: {
    // Connect as specified user on local host.
    jobHandle = VixHost_Connect(
      VIX_API_VERSION,
      VIX_SERVICEPROVIDER_VMWARE_SERVER,
      null, // hostName
      0, // hostPort
      argv[1]!, // userName
      argv[2]!, // password,
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
    console.log(`connected to the local host as ${argv[1]}: host type ${Vix_GetProperties(hostHandle, VIX_PROPERTY_HOST_HOSTTYPE, VIX_PROPERTY_NONE)[1]}`);
  }
  // abort:
  Vix_ReleaseHandle(jobHandle);
  Vix_ReleaseHandle(hostHandle);
}

main(argv);
