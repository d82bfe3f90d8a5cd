import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { record } from '../../../tools/bench/harness.js';
import type { BenchCase } from '../../../tools/bench/harness.js';
import { runElfBytes } from '../src/index.js';
import type { EngineKind } from '../src/index.js';

const elfPath = join(dirname(fileURLToPath(import.meta.url)), '../../../tools/guests/elf/bench.elf');
const elf = new Uint8Array(readFileSync(elfPath));

interface Timing {
  ms: number;
  insns: number;
}

/** Best of `runs` complete runs (machine creation, ELF load, translation and execution). */
function timeEngine(engine: EngineKind, runs: number): Timing {
  let best = Infinity;
  let insns = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = runElfBytes(elf, { engine });
    const ms = performance.now() - t0;
    if (r.exitCode !== 0) throw new Error(`bench.elf exited with ${r.exitCode} under ${engine}`);
    insns = r.instret;
    best = Math.min(best, ms);
  }
  return { ms: best, insns };
}

/** Best wall time of qemu-system-riscv32 on the same ELF, or NaN when QEMU is not installed. */
function timeQemu(runs: number): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const p = spawnSync(
      'qemu-system-riscv32',
      ['-M', 'virt', '-bios', 'none', '-kernel', elfPath, '-nographic', '-serial', 'stdio', '-monitor', 'none'],
      { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 },
    );
    const ms = performance.now() - t0;
    if (p.error || p.status !== 0) return NaN;
    best = Math.min(best, ms);
  }
  return best;
}

let jit: Timing | null = null;
let interp: Timing | null = null;
const getJit = (): Timing => (jit ??= timeEngine('jit', 5));
const getInterp = (): Timing => (interp ??= timeEngine('interp', 2));
const rate = (t: Timing): number => t.insns / (t.ms / 1000);

const cases: BenchCase[] = [
  {
    id: 'tcg/bench-jit',
    run: () =>
      record({
        id: 'tcg/bench-jit',
        value: rate(getJit()),
        unit: 'insn/s',
        baseline: 'reference interpreter, same ELF',
        baselineValue: rate(getInterp()),
        note: `bench.elf ${getJit().insns} insns, best of 5 runs incl. translation`,
      }),
  },
  {
    id: 'tcg/bench-interp',
    run: () =>
      record({
        id: 'tcg/bench-interp',
        value: rate(getInterp()),
        unit: 'insn/s',
        baseline: 'JIT, same ELF',
        baselineValue: rate(getJit()),
        note: 'best of 2 runs',
      }),
  },
  {
    id: 'tcg/bench-vs-qemu',
    run: () => {
      const q = timeQemu(3);
      return record({
        id: 'tcg/bench-vs-qemu',
        value: getJit().ms,
        unit: 'ms',
        baseline: 'qemu-system-riscv32 -M virt -bios none (process wall time)',
        baselineValue: q,
        note: Number.isNaN(q) ? 'qemu-system-riscv32 not installed: no baseline' : 'goal: at most 2x QEMU',
      });
    },
  },
];

export default cases;
