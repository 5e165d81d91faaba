// Chapter 2, "Using the Event Pump" and "Polling for Completion in a Single-Threaded
// Client": the host opened with VIX_HOSTOPTION_USE_EVENT_PUMP; the suspend advances only
// inside Vix_PumpEvents, polled with VixJob_CheckCompletion.
// Usage: pump-polling.ts VMX (the local host as the current user, as the guide does)
import { VIX_API_VERSION, VIX_HOSTOPTION_USE_EVENT_PUMP, VIX_INVALID_HANDLE, VIX_OK, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_NONE, VIX_PROPERTY_VM_POWER_STATE, VIX_PUMPEVENTOPTION_NONE, VIX_SERVICEPROVIDER_VMWARE_SERVER, VixHost_Connect, VixHost_Disconnect, VixJob_CheckCompletion, VixJob_Wait, VixVM_Open, VixVM_Suspend, Vix_GetErrorText, Vix_GetProperties, Vix_PumpEvents, Vix_ReleaseHandle } from 'vmgate/vix';
import type { VixErrorCode, VixHandle, VixPowerState } from 'vmgate/vix';
import { argv, sleep } from './common.ts';

const ONE_MINUTE = 60;

// Function to poll for completion.
// Returns TRUE if successful; otherwise returns FALSE.
function CheckCompletion(hostHandle: VixHandle, jobHandle: VixHandle, timeOut: number): boolean {
  let completed = false;
  let err: VixErrorCode = VIX_OK;
  let secondCount = 0;

  while (!completed && secondCount < timeOut) {
    Vix_PumpEvents(hostHandle, VIX_PUMPEVENTOPTION_NONE);
    [err, completed] = VixJob_CheckCompletion(jobHandle);
    if (VIX_OK !== err) {
      return false;
    }
    secondCount++;
    if (!completed) sleep(1);
  }
  if (!completed && secondCount === ONE_MINUTE) {
    return false;
  }
  console.log(`completed after ${secondCount} pump(s)`);
  return true;
}

function main(): void {
  let hostHandle: VixHandle = VIX_INVALID_HANDLE;
  let jobHandle: VixHandle = VIX_INVALID_HANDLE;
  let vmHandle: VixHandle = VIX_INVALID_HANDLE;
  let err: VixErrorCode;
  let result: unknown;

  abort: {
    jobHandle = VixHost_Connect(
      VIX_API_VERSION,
      VIX_SERVICEPROVIDER_VMWARE_SERVER,
      null, // hostName
      0, // hostPort
      null, // userName
      null, // password,
      VIX_HOSTOPTION_USE_EVENT_PUMP, // options
      VIX_INVALID_HANDLE, // propertyListHandle
      null, // callbackProc
      null, // clientData
    );
    [err, result] = VixJob_Wait(jobHandle, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_NONE);
    hostHandle = result as VixHandle;
    Vix_ReleaseHandle(jobHandle);
    if (VIX_OK !== err) {
      // Handle the error...
      break abort;
    }
    jobHandle = VixVM_Open(hostHandle, argv[1]!, null, null);
    [err, result] = VixJob_Wait(jobHandle, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_NONE);
    vmHandle = result as VixHandle;
    Vix_ReleaseHandle(jobHandle);
    if (VIX_OK !== err) break abort;

    // Part of virtual machine processing below.
    // Suspend the virtual machine.
    jobHandle = VixVM_Suspend(
      vmHandle,
      0, // powerOnOptions,
      VIX_INVALID_HANDLE, // propertyListHandle,
      null, // callbackProc,
      null, // clientData
    );

    // Don't wait; test the virtual machine power state immediately.
    let powerState: VixPowerState = 0;
    [err, result] = Vix_GetProperties(vmHandle, VIX_PROPERTY_VM_POWER_STATE, VIX_PROPERTY_NONE);
    powerState = result as VixPowerState;
    if (VIX_OK !== err) {
      // Handle the error...
      break abort;
    }
    // powerState may be VIX_POWERSTATE_SUSPENDING.
    console.log(`before pumping: power state 0x${powerState.toString(16)}, job completed: ${VixJob_CheckCompletion(jobHandle)[1]}`);
    // Now wait for completion.
    if (CheckCompletion(hostHandle, jobHandle, 30)) {
      // Now the powerState should be ready.
      [err, result] = Vix_GetProperties(vmHandle, VIX_PROPERTY_VM_POWER_STATE, VIX_PROPERTY_NONE);
      powerState = result as VixPowerState;
      if (VIX_OK !== err) {
        // Handle the error...
        break abort;
      }
      console.log(`after: power state 0x${powerState.toString(16)}`);
    } // CheckCompletion
  }
  // abort:
  if (VIX_OK !== err) console.log(`error: ${Vix_GetErrorText(err, null)}`);
  Vix_ReleaseHandle(jobHandle);
  Vix_ReleaseHandle(vmHandle);
  VixHost_Disconnect(hostHandle);
}

main();
