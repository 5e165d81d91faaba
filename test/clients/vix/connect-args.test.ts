/**
 * VixHost_Connect's checks of what it is given, before any connection (no server needed):
 * the API version, the host type, and credentials that must come together — each refusal
 * a failed job with its VIX error and message, and no host handle. Hand-written values
 * from vix.h and docs/sdk/vix.md.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as V from '../../../src/clients/vix/index.ts';

/** Connects to a port nobody is asked on (every case here fails first): [error, host handle, message]. */
function refused(apiVersion: number, hostType: number, hostName: string | null, user: string | null, password: string | null): [number, number, string] {
  const job = V.VixHost_Connect(apiVersion, hostType, hostName, 1, user, password, 0, V.VIX_INVALID_HANDLE, null, null);
  const [err, host] = V.VixJob_Wait(job, V.VIX_PROPERTY_JOB_RESULT_HANDLE, V.VIX_PROPERTY_NONE);
  const [, message] = V.Vix_GetProperties(job, V.VIX_PROPERTY_JOB_RESULT_USER_MESSAGE);
  V.Vix_ReleaseHandle(job);
  return [err, host as number, String(message)];
}

describe('VixHost_Connect: arguments refused before connecting', () => {
  it('an API version other than VIX_API_VERSION (-1) or 1', () => {
    assert.deepEqual(refused(2, 2, '127.0.0.1', 'u', 'p'), [6, 0, 'apiVersion 2 is not supported: this library speaks VIX API version 1 (pass VIX_API_VERSION)']);
    assert.deepEqual(refused(0, 2, '127.0.0.1', 'u', 'p'), [6, 0, 'apiVersion 0 is not supported: this library speaks VIX API version 1 (pass VIX_API_VERSION)']);
  });

  it('a VI Server host type, and host types vix.h does not have', () => {
    assert.deepEqual(refused(-1, 10, '127.0.0.1', 'u', 'p'), [6, 0, 'VI Server hosts are not served by this SDK: use the vSphere Automation API (vmgate/vapi)']);
    for (const t of [0, 5, 9, 11]) assert.deepEqual(refused(-1, t, '127.0.0.1', 'u', 'p'), [3, 0, `unknown hostType ${t}`], String(t));
  });

  it('a named host with no user name and password: only the local host knows the current user', () => {
    assert.deepEqual(refused(1, 2, 'vmhost.example.test', null, null), [3, 0, 'a named host needs a user name and password (only the local host knows the current user)']);
  });

  it('a user name without a password, or a password without a user name', () => {
    for (const [u, p] of [['administrator', null], [null, 'secret-password-1']] as const) {
      for (const host of ['127.0.0.1', null]) {
        assert.deepEqual(refused(-1, 2, host, u, p), [3, 0, 'userName and password go together'], `${u} ${p} ${host}`);
      }
    }
  });
});
