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
 * Median time of one call of `fn`, in milliseconds, measured with tinybench
 * (the median, not the mean: on a shared machine a few preempted samples
 * would otherwise move the figure). `setup` runs before every measured call
 * and is not timed.
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
  const result = task?.result as { latency?: { p50?: number } } | undefined;
  const median = result?.latency?.p50;
  if (median === undefined || !Number.isFinite(median)) {
    throw new Error(`benchmark ${name} produced no timing (did it throw?)`);
  }
  return median;
}

/** One side of {@link timePairMs}. */
export interface PairSide {
  fn: () => void;
  /** Runs before every timed call of `fn`, untimed. */
  setup?: () => void;
}

/**
 * Median times in milliseconds of a subject and its baseline, sampled
 * alternately (`rounds` samples each, after a warm-up), so both see the same
 * machine: on a shared machine, measuring one after the other can put them in
 * different load and skew their ratio.
 */
export function timePairMs(subject: PairSide, baseline: PairSide, rounds = 400): { subject: number; baseline: number } {
  const a: number[] = [];
  const b: number[] = [];
  const sample = (side: PairSide, out: number[] | null): void => {
    side.setup?.();
    const t0 = performance.now();
    side.fn();
    const t = performance.now() - t0;
    out?.push(t);
  };
  for (let i = 0; i < 20; i++) {
    sample(subject, null);
    sample(baseline, null);
  }
  for (let i = 0; i < rounds; i++) {
    sample(subject, a);
    sample(baseline, b);
  }
  const median = (xs: number[]): number => {
    xs.sort((x, y) => x - y);
    return xs[xs.length >> 1] as number;
  };
  return { subject: median(a), baseline: median(b) };
}
