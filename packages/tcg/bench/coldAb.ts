/**
 * Paired A/B timing of cold bench.elf runs on the JIT (not part of `npm run bench`):
 * loads two copies of the package source in one process (`COLD_A`, `COLD_B`: paths to
 * their `src/index.ts`; B defaults to this tree) and alternates cold runs of each
 * (ABBA order, generated block sources made unique per run as in `cold.ts`), so both
 * see the same machine load. On a shared, noisy machine the paired differences are far
 * steadier than two separate series. Prints each side's median `m.run()` time and the
 * median and spread of the differences B − A. `--warm` times warm runs instead: the
 * sources differ only between A and B, so each side's runs share V8's eval cache.
 * `COLD_A=/tmp/base/src/index.ts npx tsx --conditions=@memvisor/source packages/tcg/bench/coldAb.ts [pairs] [--warm]`
 */
import { readFileSync } from 'node:fs';
import { BENCH_ELF, tagBlockSources } from './benchElf.js';

type Tcg = typeof import('../src/index.js');
const elf = new Uint8Array(readFileSync(BENCH_ELF));
const pairs = Number(process.argv.find((v) => /^\d+$/.test(v)) ?? 20);
const warm = process.argv.includes('--warm');
const pathA = process.env.COLD_A;
if (pathA === undefined) throw new Error('set COLD_A to the src/index.ts of the tree to compare against');
const a = (await import(pathA)) as Tcg;
const b = (await import(process.env.COLD_B ?? '../src/index.js')) as Tcg;

let runId = 0;
let side = '';
tagBlockSources(() => (warm ? side : runId));

const once = (tcg: Tcg): number => {
  runId++;
  side = tcg === a ? 'A' : 'B';
  const m = tcg.createVirtMachine({ engine: 'jit' });
  m.loadElf(elf);
  const t0 = performance.now();
  const r = m.run(Infinity);
  const t = performance.now() - t0;
  if (r.reason !== 'exit' || r.exitStatus !== 0) throw new Error(`run ${runId}: ${r.reason} ${r.exitStatus}`);
  return t;
};

const ta: number[] = [];
const tb: number[] = [];
for (let i = 0; i < pairs; i++) {
  if (i % 2 === 0) {
    ta.push(once(a));
    tb.push(once(b));
  } else {
    tb.push(once(b));
    ta.push(once(a));
  }
}
const sorted = (v: number[]): number[] => [...v].sort((x, y) => x - y);
const median = (v: number[]): number => sorted(v)[Math.floor(v.length / 2)]!;
const d = ta.map((x, i) => tb[i]! - x);
const ds = sorted(d);
const q = (p: number): number => ds[Math.min(ds.length - 1, Math.floor(p * ds.length))]!;
console.log(
  `${warm ? 'warm' : 'cold'}: A median ${median(ta).toFixed(1)} ms, B median ${median(tb).toFixed(1)} ms (${pairs} pairs); ` +
    `B-A median ${median(d).toFixed(1)} ms, quartiles ${q(0.25).toFixed(1)}..${q(0.75).toFixed(1)}, B faster in ${d.filter((x) => x < 0).length}/${pairs}`,
);
