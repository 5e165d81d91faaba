import { setTimeout as delay } from 'node:timers/promises';
import type { OpContext } from '../../core/ports/driver.ts';
import { simError } from './sim-error.ts';

export interface TimedStepOptions {
  /** Step text for ctx.progress: 'Powering on web01'. */
  readonly step: string;
  readonly ctx: OpContext | undefined;
  /** Honour ctx.signal (otherwise only `closing` ends the wait early). */
  readonly cancellable: boolean;
  /** Aborted when the driver closes. */
  readonly closing: AbortSignal;
  /** Progress range this step covers (default 0..100). */
  readonly from?: number;
  readonly to?: number;
}

/**
 * Waits `ms` like a hypervisor doing something, reporting progress a few times on the
 * way. Rejects VmgateError `cancelled` when the operation is cancelled (if cancellable)
 * or the driver closes.
 */
export async function timedStep(ms: number, opts: TimedStepOptions): Promise<void> {
  const from = opts.from ?? 0;
  const to = opts.to ?? 100;
  const signals = [opts.closing];
  if (opts.cancellable && opts.ctx?.signal) signals.push(opts.ctx.signal);
  const signal = signals.length === 1 ? opts.closing : AbortSignal.any(signals);
  const check = (): void => {
    if (opts.closing.aborted) throw simError('cancelled', `${opts.step}: interrupted because the sim driver is closing`);
    if (signal.aborted) throw simError('cancelled', `${opts.step}: cancelled`);
  };
  const report = (p: number): void => {
    try {
      opts.ctx?.progress?.(Math.round(p), opts.step);
    } catch {
      // a progress listener's failure is not the operation's
    }
  };
  check();
  report(from);
  const ticks = ms >= 400 ? 4 : 1;
  for (let i = 1; i <= ticks; i++) {
    if (ms > 0) {
      try {
        await delay(ms / ticks, undefined, { signal });
      } catch {
        check();
        throw simError('cancelled', `${opts.step}: cancelled`);
      }
    }
    check();
    report(from + ((to - from) * i) / ticks);
  }
}
