/**
 * Progress on stderr with cli-progress: one line per item (a VM being powered on, a task,
 * a file), each either a bar (percent or bytes) or a spinner for calls that give no
 * progress. Drawn only on a terminal and never with --json; otherwise every method does
 * nothing, so commands call it unconditionally.
 */
import cliProgress from 'cli-progress';
import type { Options, Params } from 'cli-progress';
import { formatBytes } from './table.ts';

export interface ItemProgress {
  /** Determinate: `value` of the item's total, with an optional step text. */
  update(value: number, step?: string): void;
  /** Indeterminate: a spinner with the step text. */
  spin(step: string): void;
  /** Ends the line with a final text (the bar shows complete when `ok`). */
  finish(text: string, ok?: boolean): void;
}

interface Payload {
  label: string;
  step: string;
  mode: 'bar' | 'spin' | 'done';
  unit: 'percent' | 'bytes';
  frame: number;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const BAR_WIDTH = 28;
const NOOP: ItemProgress = { update() {}, spin() {}, finish() {} };

export class ProgressBoard {
  private multi: cliProgress.MultiBar | undefined;
  private readonly spinning = new Map<cliProgress.SingleBar, Payload>();
  private timer: NodeJS.Timeout | undefined;
  private labelWidth = 0;
  /** Ctrl-C while bars are drawn: give the terminal its cursor back first. */
  private readonly onSigint = (): void => {
    this.stop();
    // Another handler (guest run cancelling its task) decides when to exit.
    if (process.listenerCount('SIGINT') === 0) process.exit(130);
  };

  /** `enabled` false: a board that draws nothing. */
  constructor(
    readonly enabled: boolean,
    private readonly stream: NodeJS.WritableStream = process.stderr,
  ) {}

  /** A new line for `label`; `total` is 100 for percent, the byte count for bytes. */
  add(label: string, total = 100, unit: 'percent' | 'bytes' = 'percent'): ItemProgress {
    if (!this.enabled) return NOOP;
    if (this.multi === undefined) process.once('SIGINT', this.onSigint);
    this.multi ??= new cliProgress.MultiBar({
      stream: this.stream,
      format: render(() => this.labelWidth),
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      fps: 12,
      forceRedraw: true,
    });
    this.labelWidth = Math.max(this.labelWidth, label.length);
    const payload: Payload = { label, step: '', mode: 'bar', unit, frame: 0 };
    const bar = this.multi.create(Math.max(total, 1), 0, payload);
    const set = (p: Partial<Payload>, value?: number): void => {
      Object.assign(payload, p);
      if (value === undefined) bar.update(payload);
      else bar.update(value, payload);
    };
    return {
      update: (value, step) => {
        this.spinning.delete(bar);
        set({ mode: 'bar', ...(step === undefined ? {} : { step }) }, value);
      },
      spin: (step) => {
        this.spinning.set(bar, payload);
        this.startSpinner();
        set({ mode: 'spin', step });
      },
      finish: (text, ok = true) => {
        this.spinning.delete(bar);
        set({ mode: 'done', step: text }, ok ? bar.getTotal() : undefined);
      },
    };
  }

  /** Draws the last frame and releases the terminal. */
  stop(): void {
    process.off('SIGINT', this.onSigint);
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.spinning.clear();
    this.multi?.stop();
    this.multi = undefined;
  }

  private startSpinner(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      for (const [bar, p] of this.spinning) {
        p.frame = (p.frame + 1) % SPINNER.length;
        bar.update(p);
      }
    }, 80);
    this.timer.unref();
  }
}

function render(labelWidth: () => number) {
  return (_options: Options, params: Params, payload: Payload): string => {
    const label = payload.label.padEnd(labelWidth());
    if (payload.mode === 'spin') return `${label}  ${SPINNER[payload.frame]} ${payload.step}`;
    const fraction = params.total > 0 ? Math.min(1, Math.max(0, params.value / params.total)) : 0;
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
    const amount =
      payload.unit === 'bytes'
        ? `${formatBytes(params.value)} / ${formatBytes(params.total)}`
        : `${String(Math.round(fraction * 100)).padStart(3)}%`;
    return `${label}  ${bar} ${amount}${payload.step ? `  ${payload.step}` : ''}`;
  };
}
