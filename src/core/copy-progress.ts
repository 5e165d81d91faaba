/** Byte progress of a long copy (clone, relocate) as a task's percent and step text. */
import type { TaskContext } from './tasks.ts';

/** `1.2 GiB`, `512.0 MiB`, `300 B`: binary units, one decimal. */
export function describeBytes(n: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (n < 1024) return `${n} B`;
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/**
 * An `onProgress` for a copy that spans `[from, to]` percent of task `t`: the percent by
 * bytes, the step `<label>: 1.2 GiB of 4.0 GiB`.
 */
export function copyProgress(t: Pick<TaskContext, 'progress'>, label: string, [from, to]: readonly [number, number]): (copied: number, total: number) => void {
  return (copied, total) => {
    const share = total > 0 ? Math.min(1, copied / total) : 1;
    t.progress(from + (to - from) * share, `${label}: ${describeBytes(copied)} of ${describeBytes(total)}`);
  };
}
