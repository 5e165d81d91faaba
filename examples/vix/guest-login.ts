// Chapter 3, "Virtual Machine Guest Operations": authenticate with the guest. Usage: guest-login.ts HOST USER PASSWORD VMX GUESTUSER GUESTPASSWORD
import { VIX_INVALID_HANDLE, VIX_OK, VIX_PROPERTY_JOB_RESULT_COMMAND_OUTPUT, VIX_PROPERTY_JOB_RESULT_GUEST_PROGRAM_EXIT_CODE, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_NONE, VixHost_Disconnect, VixJob_Wait, VixVM_LoginInGuest, VixVM_Open, VixVM_RunProgramInGuest, Vix_GetErrorText, Vix_ReleaseHandle } from 'vmgate/vix';
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
    // Authenticate with guest operating system.
    jobHandle = VixVM_LoginInGuest(
      vmHandle,
      argv[5]!, // userName
      argv[6]!, // password
      0, // options
      null, // callbackProc
      null, // clientData
    );
    [err] = VixJob_Wait(jobHandle, VIX_PROPERTY_NONE);
    if (VIX_OK !== err) {
      // Handle the error...
      break abort;
    }
    Vix_ReleaseHandle(jobHandle);
    console.log(`logged in to the guest as ${argv[5]}`);
    // A guest operation that needs the login.
    jobHandle = VixVM_RunProgramInGuest(vmHandle, '/bin/sh', "-c 'echo hello from $(hostname)'", 0, VIX_INVALID_HANDLE, null, null);
    let exitCode: unknown;
    let output: unknown;
    [err, exitCode, output] = VixJob_Wait(jobHandle, VIX_PROPERTY_JOB_RESULT_GUEST_PROGRAM_EXIT_CODE, VIX_PROPERTY_JOB_RESULT_COMMAND_OUTPUT, VIX_PROPERTY_NONE);
    if (VIX_OK !== err) break abort;
    console.log(`exit code ${exitCode}: ${String(output).trim()}`);
  }
  // abort:
  if (VIX_OK !== err) console.log(`error: ${Vix_GetErrorText(err, null)}`);
  Vix_ReleaseHandle(jobHandle);
  VixHost_Disconnect(hostHandle);
}

main(argv);
