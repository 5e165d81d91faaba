/**
 * Polls `check` until it answers something other than undefined, and returns that. A check
 * that throws counts as "not yet"; when `deadlineMs` has passed, the error names `what`
 * and the last thrown message. For waiting on real guests and processes, never for timing.
 */
export async function until<T>(what: string, deadlineMs: number, check: () => Promise<T | undefined>, intervalMs = 250): Promise<T> {
  const t0 = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() - t0 > deadlineMs) throw new Error(`${what}: not within ${Math.round(deadlineMs / 1000)} s${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
