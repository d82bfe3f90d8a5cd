/**
 * Cold-run timing of bench.elf on the JIT (not part of `npm run bench`): N runs in one
 * process, each with the generated block sources made unique (a comment naming the run
 * is appended to every `new Function` body), so V8's eval cache cannot hand a run the
 * feedback or optimized code of an earlier one and every run pays the warm-up a fresh
 * process pays. `--warm` leaves the sources alone (runs after the first share V8's
 * cache). Prints the `m.run()` wall time and main-thread CPU time (all, median, best)
 * and the median wall time of each phase of the guest (crc, sort, matrix, sieve, exit:
 * cut where the guest prints its result lines). `COLD_SRC` times another copy of the
 * package source (the path of its `src/index.ts`), `COLD_LABEL` prefixes the line; for
 * A/B comparisons on a noisy machine prefer `coldAb.ts`.
 * `npx tsx --conditions=@memvisor/source packages/tcg/bench/cold.ts [N] [--warm]`
 */
import { readFileSync } from 'node:fs';
import { BENCH_ELF, tagBlockSources } from './benchElf.js';

const { createVirtMachine } = (await import(process.env.COLD_SRC ?? '../src/index.js')) as typeof import('../src/index.js');

const elf = new Uint8Array(readFileSync(BENCH_ELF));
const n = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 9);
const warm = process.argv.includes('--warm');
const label = process.env.COLD_LABEL ?? '';

let runId = 0;
if (!warm) tagBlockSources(() => runId);

// The main thread's CPU time (ns on CPU, from schedstat): less disturbed than wall time
// by other processes on a loaded machine; zero where /proc is missing.
const mainCpu = (): number => {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return 0;
  }
};
const times: number[] = [];
const cpuTimes: number[] = [];
const phases: number[][] = [];
let marks: number[] = [];
let insns = 0;
for (let i = 0; i < n; i++) {
  runId = i;
  const m = createVirtMachine({ engine: 'jit', onUart: (b) => b === 10 && marks.push(performance.now()) });
  m.loadElf(elf);
  const c0 = mainCpu();
  const t0 = performance.now();
  marks = [t0];
  const r = m.run(Infinity);
  times.push(performance.now() - t0);
  cpuTimes.push(mainCpu() - c0);
  phases.push(marks.slice(1).map((t, j) => t - marks[j]!));
  if (r.reason !== 'exit' || r.exitStatus !== 0) throw new Error(`run ${i}: ${r.reason} ${r.exitStatus}`);
  insns = r.instret;
}
const stats = (a: number[]): string => {
  const s = [...a].sort((x, y) => x - y);
  return `median ${s[Math.floor(n / 2)]!.toFixed(1)} best ${s[0]!.toFixed(1)} all=${a.map((v) => v.toFixed(0)).join(',')}`;
};
const ph = phases[0]!.map((_, j) => {
  const s = phases.map((p) => p[j]!).sort((x, y) => x - y);
  return s[Math.floor(n / 2)]!.toFixed(0);
});
console.log(`${label}${warm ? 'warm' : 'cold'} n=${n} (${insns} insns) wall ms: ${stats(times)} | main-thread cpu ms: ${stats(cpuTimes)} | phase medians ${ph.join(' ')}`);
