/**
 * What every example of chapter 3 starts with: "Connecting to a Specified Host" (argv:
 * host user password), and C's sleep(). The port comes from VMGATE_AUTHD_PORT (default
 * 8902), the server's certificate from VMGATE_CA (a PEM file).
 */
import { VIX_API_VERSION, VIX_INVALID_HANDLE, VIX_OK, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_NONE, VIX_SERVICEPROVIDER_VMWARE_SERVER, VixHost_Connect, VixJob_Wait, Vix_GetErrorText, Vix_ReleaseHandle } from 'vmgate/vix';
import type { VixHandle } from 'vmgate/vix';

export function connectToSpecifiedHost(argv: string[]): VixHandle {
  let hostHandle: VixHandle = VIX_INVALID_HANDLE;
  const jobHandle = VixHost_Connect(
    VIX_API_VERSION,
    VIX_SERVICEPROVIDER_VMWARE_SERVER,
    argv[1]!, // hostName
    0, // hostPort
    argv[2]!, // userName
    argv[3]!, // password,
    0, // options
    VIX_INVALID_HANDLE, // propertyListHandle
    null, // callbackProc
    null, // clientData
  );
  const [err, h] = VixJob_Wait(jobHandle, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_NONE);
  hostHandle = h as VixHandle;
  Vix_ReleaseHandle(jobHandle);
  if (VIX_OK !== err) {
    console.log(`connect failed: ${Vix_GetErrorText(err, null)}`);
    process.exit(1);
  }
  return hostHandle;
}

/** C's argv: [program, ...arguments]. */
export const argv = process.argv.slice(1);

/** sleep(seconds), blocking like C's. */
export function sleep(seconds: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
}
