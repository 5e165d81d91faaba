/** Small helpers for benchmarks: timing, percentiles, printing figures beside a baseline. */
export interface Measure {
  readonly label: string;
  readonly ops: number;
  readonly seconds: number;
  readonly latenciesMs?: readonly number[];
}

export async function measure(label: string, ops: number, fn: () => Promise<void>): Promise<Measure> {
  const t0 = process.hrtime.bigint();
  await fn();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { label, ops, seconds };
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export function rate(m: Measure): number {
  return m.ops / m.seconds;
}

/** Prints a figure and its ratio to a baseline measured in the same run. */
export function report(title: string, subject: Measure, baseline: Measure, note = ''): void {
  const r = rate(subject) / rate(baseline);
  const lat = (m: Measure) => (m.latenciesMs ? `  p50 ${percentile(m.latenciesMs, 50).toFixed(2)} ms  p99 ${percentile(m.latenciesMs, 99).toFixed(2)} ms` : '');
  console.log(`\n## ${title}`);
  console.log(`  ${subject.label.padEnd(52)} ${rate(subject).toFixed(1).padStart(10)} ops/s  (${subject.ops} ops in ${subject.seconds.toFixed(2)} s)${lat(subject)}`);
  console.log(`  ${('baseline: ' + baseline.label).padEnd(52)} ${rate(baseline).toFixed(1).padStart(10)} ops/s  (${baseline.ops} ops in ${baseline.seconds.toFixed(2)} s)${lat(baseline)}`);
  console.log(`  ratio subject/baseline: ${r.toFixed(3)}${note ? `  — ${note}` : ''}`);
}
