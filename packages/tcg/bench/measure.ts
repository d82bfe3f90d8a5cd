/**
 * Quick bench.elf timing for tuning (not part of `npm run bench`): N runs of the JIT
 * through runElfBytes and M runs of qemu-system-riscv32, interleaved; prints best and
 * median of each and the ratio. `npx tsx packages/tcg/bench/measure.ts [N] [--no-qemu]`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { runElfBytes } from '../src/index.js';
import { BENCH_ELF, QEMU_ARGS } from './benchElf.js';

const elf = new Uint8Array(readFileSync(BENCH_ELF));
const n = Number(process.argv[2] ?? 7);
const withQemu = !process.argv.includes('--no-qemu');
const ours: number[] = [];
const qemu: number[] = [];
let insns = 0;
for (let i = 0; i < n; i++) {
  const t0 = performance.now();
  const r = runElfBytes(elf, { engine: 'jit' });
  ours.push(performance.now() - t0);
  if (r.exitCode !== 0) throw new Error(`exit ${r.exitCode}`);
  insns = r.instret;
  if (withQemu) {
    const q0 = performance.now();
    const p = spawnSync('qemu-system-riscv32', QEMU_ARGS, { stdio: ['ignore', 'pipe', 'pipe'] });
    qemu.push(performance.now() - q0);
    if (p.status !== 0) throw new Error('qemu failed');
  }
}
const stats = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return { best: s[0]!, median: s[Math.floor(s.length / 2)]! };
};
const o = stats(ours);
console.log(`memvisor: best ${o.best.toFixed(1)} ms median ${o.median.toFixed(1)} ms (${insns} insns, ${(insns / o.best / 1e3).toFixed(0)}M insn/s best) all=${ours.map((v) => v.toFixed(0)).join(',')}`);
if (withQemu) {
  const q = stats(qemu);
  console.log(`qemu:     best ${q.best.toFixed(1)} ms median ${q.median.toFixed(1)} ms all=${qemu.map((v) => v.toFixed(0)).join(',')}`);
  console.log(`ratio best/best ${(o.best / q.best).toFixed(2)}x  median/median ${(o.median / q.median).toFixed(2)}x`);
}
