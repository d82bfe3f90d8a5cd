import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { record } from '../../../tools/bench/harness.js';
import type { BenchCase } from '../../../tools/bench/harness.js';
import { runElfBytes } from '../src/index.js';
import type { EngineKind } from '../src/index.js';
import { BENCH_ELF as elfPath, QEMU_ARGS } from './benchElf.js';

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

const freshRun = join(dirname(fileURLToPath(import.meta.url)), 'freshProcessRun.ts');

/** Wall time of one child process, in ms; NaN if it failed. */
function timeProcess(cmd: string, args: readonly string[]): number {
  const t0 = performance.now();
  const p = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  const ms = performance.now() - t0;
  return p.error || p.status !== 0 ? NaN : ms;
}

const best = (xs: number[]): number => Math.min(...xs);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface ProcessTimes {
  /** `memvisor run bench.elf`, whole process, each run. */
  cli: number[];
  /** qemu-system-riscv32 on the same ELF, whole process (empty when not installed). */
  qemu: number[];
  /** Engine only (machine, ELF load, translation, run) in a fresh process, each run. */
  coldEngine: number[];
}

/**
 * Whole processes, as a user runs them: `memvisor run` (Node start-up, loading the
 * bundled CLI, a cold engine) and qemu-system-riscv32, interleaved so both see the
 * same machine load. The CLI is bundled from the current sources into a temporary
 * directory first (apps/scripts/bundle.ts, what bin/memvisor.js loads), so the
 * figure never measures a stale build. Also the engine's own time in a fresh
 * process, where V8 has optimized none of the generated code yet.
 */
async function timeProcesses(runs: number): Promise<ProcessTimes> {
  const { bundleCli } = await import('../../apps/scripts/bundle.js');
  const dir = mkdtempSync(join(tmpdir(), 'memvisor-bench-'));
  try {
    await bundleCli(dir);
    const launcher = join(dir, 'launch.mjs');
    writeFileSync(launcher, `import { main } from './memvisor.js';\nprocess.exitCode = await main(process.argv.slice(2));\n`);
    const out: ProcessTimes = { cli: [], qemu: [], coldEngine: [] };
    let haveQemu = true;
    for (let i = 0; i < runs; i++) {
      const cli = timeProcess(process.execPath, [launcher, 'run', elfPath]);
      if (Number.isNaN(cli)) throw new Error('memvisor run bench.elf failed');
      out.cli.push(cli);
      if (haveQemu) {
        const q = timeProcess('qemu-system-riscv32', QEMU_ARGS);
        if (Number.isNaN(q)) haveQemu = false;
        else out.qemu.push(q);
      }
      const e = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=@memvisor/source', freshRun, elfPath], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      if (e.status !== 0) throw new Error(`the cold engine run failed: ${e.stderr}`);
      out.coldEngine.push(Number(e.stdout.trim()));
    }
    if (!haveQemu) out.qemu = [];
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
        note: `bench.elf ${getJit().insns} insns, best of 5 runs incl. translation, in one process (warm: V8 reuses the optimized code of identical block sources; see tcg/bench-vs-qemu for a fresh process)`,
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
    run: async () => {
      const t = await timeProcesses(7);
      const q = t.qemu.length > 0 ? best(t.qemu) : NaN;
      const x = (ms: number): string => (Number.isNaN(q) ? '' : ` = ${(ms / q).toFixed(2)}x`);
      return record({
        id: 'tcg/bench-vs-qemu',
        value: best(t.cli),
        unit: 'ms',
        baseline: 'qemu-system-riscv32 -M virt -bios none (process wall time)',
        baselineValue: q,
        note:
          (Number.isNaN(q) ? 'qemu-system-riscv32 not installed: no baseline; ' : 'goal: at most 2x QEMU; ') +
          `whole memvisor run process, best of 7 interleaved with QEMU (median ${median(t.cli).toFixed(0)} ms` +
          (Number.isNaN(q) ? '' : `, QEMU median ${median(t.qemu).toFixed(0)} ms`) +
          `); engine alone in a fresh process: best ${best(t.coldEngine).toFixed(0)} ms${x(best(t.coldEngine))}, ` +
          `median ${median(t.coldEngine).toFixed(0)} ms; in this process after V8 has seen the same block sources ` +
          `(its eval cache shares their feedback and optimized code): best of 5 ${getJit().ms.toFixed(0)} ms${x(getJit().ms)}`,
      });
    },
  },
];

export default cases;
