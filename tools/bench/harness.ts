import { Bench } from 'tinybench';

/** One line of `bench-results.json`. */
export interface BenchRecord {
  /** Stable id named by the issues, e.g. `dirty/sync-16g-1pct`. */
  id: string;
  value: number;
  unit: string;
  /** What the value is compared with, measured in the same run. */
  baseline: string;
  baselineValue: number;
  /**
   * Cost relative to the baseline: above 1 means slower than the baseline.
   * For a time (`ms`, `ns`) it is value / baselineValue; for a rate (`.../s`)
   * it is baselineValue / value. `null` when the baseline could not be measured
   * in this run (e.g. QEMU is not installed).
   */
  ratio: number | null;
  /** Free-form context printed beside the row (tree size, bytes per op...). */
  note?: string;
}

/** A benchmark a package declares in `bench/*.bench.ts` (default export: an array of these). */
export interface BenchCase {
  id: string;
  run(): Promise<BenchRecord> | BenchRecord;
}

/** True when `unit` is a rate (higher is better). */
export function isRate(unit: string): boolean {
  return unit.includes('/s');
}

/** Builds a record, computing the ratio the same way for every benchmark. */
export function record(r: Omit<BenchRecord, 'ratio'>): BenchRecord {
  let ratio: number | null = null;
  if (Number.isFinite(r.baselineValue) && r.baselineValue > 0 && r.value > 0) {
    ratio = isRate(r.unit) ? r.baselineValue / r.value : r.value / r.baselineValue;
  }
  return { ...r, ratio };
}

/**
 * Mean time of one call of `fn`, in milliseconds, measured with tinybench.
 * `setup` runs before every measured call and is not timed.
 */
export async function timeMs(
  name: string,
  fn: () => void | Promise<void>,
  opts: { time?: number; iterations?: number; setup?: () => void } = {},
): Promise<number> {
  const bench = new Bench({ time: opts.time ?? 500, iterations: opts.iterations ?? 10, warmup: true });
  bench.add(name, fn, opts.setup ? { beforeEach: opts.setup } : {});
  await bench.run();
  const task = bench.tasks[0];
  const result = task?.result as { latency?: { mean?: number } } | undefined;
  const mean = result?.latency?.mean;
  if (mean === undefined || !Number.isFinite(mean)) {
    throw new Error(`benchmark ${name} produced no timing (did it throw?)`);
  }
  return mean;
}
