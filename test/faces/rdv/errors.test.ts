import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_KINDS } from '../../../src/core/errors.ts';
import type { Host, Vm } from '../../../src/core/index.ts';
import { VM_ERRORS } from '../../../src/protocols/rdv/contract.ts';
import { LOCALES, RDV_ERROR_TABLE, RDV_MESSAGES, detailedError, jobErrorOf, matchLocale, vmErrorOf } from '../../../src/faces/rdv/errors.ts';
import { vmStatusOf } from '../../../src/faces/rdv/index.ts';

describe('the RDV error table', () => {
  it('maps every core error kind to a VMError of the contract', () => {
    assert.deepEqual(Object.keys(RDV_ERROR_TABLE).sort(), [...ERROR_KINDS].sort());
    for (const v of Object.values(RDV_ERROR_TABLE)) assert.ok((VM_ERRORS as readonly string[]).includes(v), v);
  });

  it('has a text for every VMError in en-US, de-DE and fr-FR, all different', () => {
    assert.deepEqual(Object.keys(RDV_MESSAGES).sort(), [...VM_ERRORS].sort());
    for (const [code, texts] of Object.entries(RDV_MESSAGES)) {
      assert.deepEqual(Object.keys(texts).sort(), [...LOCALES].sort(), code);
      assert.equal(new Set(Object.values(texts)).size, 3, code);
    }
    assert.equal(detailedError('ERROR_VM_LOCKED', 'de-DE', 'vm-1 is busy'), 'Der virtuelle Computer ist mit einem anderen Vorgang beschäftigt. (vm-1 is busy)');
    assert.equal(detailedError('ERROR_VM_SUCCESS', 'fr-FR', null), 'L’opération a réussi.');
  });

  it('uses reasons that say more than their kind', () => {
    assert.equal(vmErrorOf({ kind: 'not_allowed_in_current_state', reason: 'host_disconnected' }), 'ERROR_SERVER_CONNECTION_LOST');
    assert.equal(vmErrorOf({ kind: 'resource_exhausted', reason: 'no_host_fits' }), 'ERROR_VM_PLACEMENT');
    assert.equal(vmErrorOf({ kind: 'not_allowed_in_current_state', reason: undefined }), 'ERROR_VM_STATE');
  });

  it('gives a failed job the failed step’s VMError unless the cause names its own', () => {
    assert.equal(jobErrorOf({ kind: 'internal' }, 'placement', false), 'ERROR_VM_PLACEMENT');
    assert.equal(jobErrorOf({ kind: 'internal' }, 'start', false), 'ERROR_VM_START');
    assert.equal(jobErrorOf({ kind: 'internal' }, 'start', true), 'ERROR_VM_RESTORE');
    assert.equal(jobErrorOf({ kind: 'resource_exhausted', reason: 'no_host_fits' }, 'start', false), 'ERROR_VM_START');
    assert.equal(jobErrorOf({ kind: 'resource_busy' }, 'placement', false), 'ERROR_VM_LOCKED');
    assert.equal(jobErrorOf({ kind: 'not_allowed_in_current_state', reason: 'host_disconnected' }, 'start', false), 'ERROR_SERVER_CONNECTION_LOST');
    assert.equal(jobErrorOf({ kind: 'unauthorized' }, 'placement', false), 'ERROR_VM_NO_PERMISSION');
  });

  it('matches the locales SetLocale offers', () => {
    assert.equal(matchLocale('de-de'), 'de-DE');
    assert.equal(matchLocale('fr_FR'), 'fr-FR');
    assert.equal(matchLocale('en'), 'en-US');
    assert.equal(matchLocale('es-ES'), null);
  });
});

describe('VMStatus of a VM', () => {
  const host = { id: 'host-1', name: 'h1' } as Host;
  const vm = (powerState: Vm['powerState'], toolsState: Vm['toolsState'] = 'unknown') => ({ id: 'vm-1', powerState, toolsState }) as Vm;
  it('follows power state, tools and what holds the VM', () => {
    const cases: [Vm, string | null, string][] = [
      [vm('poweredOn', 'running'), null, 'VM_STATUS_GUEST_READY'],
      [vm('poweredOn', 'unknown'), null, 'VM_STATUS_RUNNING'],
      [vm('poweredOff'), null, 'VM_STATUS_STOPPED'],
      [vm('suspended'), null, 'VM_STATUS_HIBERNATED'],
      [vm('paused'), null, 'VM_STATUS_PAUSED'],
      [vm('resetting'), 'reset', 'VM_STATUS_GUEST_REBOOTED'],
      [vm('poweringOn'), 'power on', 'VM_STATUS_UNKNOWN'],
      [vm('poweredOff'), 'relocate', 'VM_STATUS_MIGRATING'],
    ];
    for (const [v, busy, want] of cases) assert.equal(vmStatusOf({ vm: v, host, busyWith: busy }), want, `${v.powerState}/${busy}`);
  });
});
