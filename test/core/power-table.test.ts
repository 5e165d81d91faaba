/**
 * The power state machine of src/core/power.ts (pure: no core, no driver), against the
 * hand-written matrix of ./power-matrix.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { POWER_TRANSITIONS, checkPowerTransition, describePowerState, isRunningState } from '../../src/core/power.ts';
import { VmgateError } from '../../src/core/errors.ts';
import { POWER_STATES } from '../../src/core/model/index.ts';
import { COLUMNS, OPS, REASONS, REFUSED_WHILE_RESETTING, STATE_WORDS_AND_RUNNING, VIA_AND_TOOLS, cell, isRefusal } from './power-matrix.ts';

describe('power state machine (table)', () => {
  it('the hand-written matrix covers every operation and state core knows', () => {
    assert.deepEqual([...OPS].sort(), Object.keys(POWER_TRANSITIONS).sort());
    assert.deepEqual([...COLUMNS], [...POWER_STATES]);
  });
  for (const state of COLUMNS) {
    for (const op of OPS) {
      const c = cell(op, state);
      it(`${op} from ${state}: ${isRefusal(c) ? `refused${REASONS[c] ? ` (${REASONS[c]})` : ''}` : `allowed, ends ${c}`}`, () => {
        const vm = { id: 'vm-1', name: 'web', powerState: state, toolsState: 'running' as const };
        if (!isRefusal(c)) {
          assert.equal(checkPowerTransition(op, vm).to, c);
          return;
        }
        assert.throws(
          () => checkPowerTransition(op, vm),
          (e: unknown) => {
            assert.ok(e instanceof VmgateError, String(e));
            assert.equal(e.kind, 'not_allowed_in_current_state');
            assert.equal(e.reason, REASONS[c]);
            assert.equal(e.module, 'core.power');
            assert.deepEqual(e.details, { op, state });
            assert.match(e.message, /vm-1 \(web\)/);
            if (c === 'already') assert.match(e.message, /: it is already /);
            else assert.match(e.message, / while it is .*; allowed from: /);
            return true;
          },
        );
      });
    }
  }
  it('guest-initiated operations need tools', () => {
    for (const op of ['shutdownGuest', 'rebootGuest', 'standbyGuest'] as const) {
      assert.throws(
        () => checkPowerTransition(op, { id: 'vm-1', name: 'web', powerState: 'poweredOn', toolsState: 'unknown' }),
        (e: unknown) => e instanceof VmgateError && e.reason === 'tools_not_running',
      );
    }
  });
  it('says "already" when the VM is in the target state', () => {
    assert.throws(() => checkPowerTransition('powerOn', { id: 'vm-1', name: 'web', powerState: 'poweredOn', toolsState: 'running' }), /already powered on/);
  });

  for (const op of OPS) {
    const [via, needsTools] = VIA_AND_TOOLS[op];
    it(`${op}: shows ${via ?? 'no transitional state'}, ${needsTools ? 'needs' : 'does not need'} tools, says what it is when refused`, () => {
      const t = POWER_TRANSITIONS[op];
      assert.equal(t.via, via);
      assert.equal(t.needsTools, needsTools);
      const from = COLUMNS.find((s) => !isRefusal(cell(op, s)))!;
      for (const toolsState of ['notInstalled', 'unknown'] as const) {
        const vm = { id: 'vm-1', name: 'web', powerState: from, toolsState };
        if (needsTools) {
          assert.throws(
            () => checkPowerTransition(op, vm),
            (e: unknown) => {
              assert.ok(e instanceof VmgateError);
              assert.equal(e.kind, 'not_allowed_in_current_state');
              assert.equal(e.reason, 'tools_not_running');
              assert.equal(e.module, 'core.power');
              assert.equal(e.message, `${REFUSED_WHILE_RESETTING[op].split(' vm-1 ')[0]} vm-1 (web): VMware Tools / the guest agent is not running`);
              return true;
            },
            toolsState,
          );
        } else {
          assert.equal(checkPowerTransition(op, vm).to, cell(op, from), toolsState);
        }
      }
      assert.throws(() => checkPowerTransition(op, { id: 'vm-1', name: 'web', powerState: 'resetting', toolsState: 'running' }), { message: REFUSED_WHILE_RESETTING[op] });
    });
  }

  it('"already" messages name the state in words', () => {
    const vm = (powerState: (typeof COLUMNS)[number]) => ({ id: 'vm-1', name: 'web', powerState, toolsState: 'running' as const });
    assert.throws(() => checkPowerTransition('powerOn', vm('poweredOn')), { message: 'cannot power on vm-1 (web): it is already powered on' });
    assert.throws(() => checkPowerTransition('powerOff', vm('poweredOff')), { message: 'cannot power off vm-1 (web): it is already powered off' });
    assert.throws(() => checkPowerTransition('suspend', vm('suspended')), { message: 'cannot suspend vm-1 (web): it is already suspended' });
    assert.throws(() => checkPowerTransition('pause', vm('paused')), { message: 'cannot pause vm-1 (web): it is already paused' });
  });

  it('names every state in words and counts only powered-off and suspended VMs as not running', () => {
    assert.deepEqual([...POWER_STATES].sort(), Object.keys(STATE_WORDS_AND_RUNNING).sort());
    for (const [state, [words, running]] of Object.entries(STATE_WORDS_AND_RUNNING)) {
      assert.equal(describePowerState(state as (typeof COLUMNS)[number]), words, state);
      assert.equal(isRunningState(state as (typeof COLUMNS)[number]), running, state);
    }
  });
});
