import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
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

const repo = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Newest modification time of the .ts sources under `dir` (recursively), in ms. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    const st = statSync(full);
    if (st.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (name.endsWith('.ts')) newest = Math.max(newest, st.mtimeMs);
  }
  return newest;
}

/**
 * Best wall time of a whole `memvisor run` process on the same ELF (Node start-up,
 * module loading, a cold engine), the way a user runs it; or a reason it was not
 * measured: it needs the built CLI (`npm run build`), newer than the sources.
 */
function timeCli(runs: number): number | string {
  const built = ['apps', 'tcg', 'memory-core'].map((p) => join(repo, 'packages', p, 'dist/index.js'));
  if (!built.every((f) => existsSync(f))) return 'no built CLI (run npm run build)';
  const builtAt = Math.min(...built.map((f) => statSync(f).mtimeMs));
  const srcAt = Math.max(...['apps', 'tcg', 'memory-core'].map((p) => newestSource(join(repo, 'packages', p, 'src'))));
  if (srcAt > builtAt) return 'the built CLI is older than the sources (run npm run build)';
  const bin = join(repo, 'packages/apps/bin/memvisor.js');
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const p = spawnSync(process.execPath, [bin, 'run', elfPath], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    const ms = performance.now() - t0;
    if (p.error || p.status !== 0) return `memvisor run failed (status ${p.status})`;
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
      const cli = timeCli(3);
      const whole =
        typeof cli === 'string'
          ? `whole memvisor run process not measured: ${cli}`
          : `whole memvisor run process (Node start-up, module loading, cold engine): ${cli.toFixed(1)} ms` +
            (Number.isNaN(q) ? '' : ` = ${(cli / q).toFixed(2)}x QEMU`);
      return record({
        id: 'tcg/bench-vs-qemu',
        value: getJit().ms,
        unit: 'ms',
        baseline: 'qemu-system-riscv32 -M virt -bios none (process wall time)',
        baselineValue: q,
        note:
          (Number.isNaN(q) ? 'qemu-system-riscv32 not installed: no baseline' : 'goal: at most 2x QEMU') +
          `; value: machine creation, ELF load, translation and run in this process, best of 5; ${whole}`,
      });
    },
  },
];

export default cases;
