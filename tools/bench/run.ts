/**
 * `npm run bench`: runs every package's `bench/*.bench.ts` (or those under the
 * folders given as arguments), prints one table and writes `bench-results.json`
 * at the workspace root. Records of benchmarks not run this time are kept.
 */
import { readdirSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchCase, BenchRecord } from './harness.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function benchFiles(dirs: string[]): string[] {
  const files: string[] = [];
  for (const dir of dirs) {
    const benchDir = join(root, dir, 'bench');
    if (!existsSync(benchDir)) continue;
    for (const f of readdirSync(benchDir).sort()) {
      if (f.endsWith('.bench.ts')) files.push(join(benchDir, f));
    }
  }
  return files;
}

function fmt(n: number | null): string {
  if (n === null) return '-';
  if (n === 0) return '0';
  const a = Math.abs(n);
  if (a >= 1e6 || a < 1e-3) return n.toExponential(3);
  return n.toPrecision(4);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const dirs = args.length > 0
    ? args
    : readdirSync(join(root, 'packages')).sort().map((p) => join('packages', p));
  const results: BenchRecord[] = [];
  for (const file of benchFiles(dirs)) {
    const mod = (await import(pathToFileURL(file).href)) as { default: BenchCase[] };
    for (const c of mod.default) {
      process.stderr.write(`running ${c.id} ...\n`);
      results.push(await c.run());
    }
  }
  const rows = results.map((r) => ({
    id: r.id,
    value: `${fmt(r.value)} ${r.unit}`,
    baseline: `${r.baseline}: ${fmt(r.baselineValue)}`,
    ratio: r.ratio === null ? '-' : `${fmt(r.ratio)}x`,
    note: r.note ?? '',
  }));
  const widths = ['id', 'value', 'baseline', 'ratio', 'note'].map((k) =>
    Math.max(k.length, ...rows.map((row) => row[k as keyof typeof row].length)),
  );
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  console.log(line(['id', 'value', 'baseline', 'ratio', 'note']));
  for (const row of rows) console.log(line([row.id, row.value, row.baseline, row.ratio, row.note]));

  const out = join(root, 'bench-results.json');
  const kept: BenchRecord[] = existsSync(out)
    ? (JSON.parse(readFileSync(out, 'utf8')) as BenchRecord[]).filter((r) => !results.some((n) => n.id === r.id))
    : [];
  const all = [...kept, ...results].sort((a, b) => a.id.localeCompare(b.id));
  writeFileSync(out, JSON.stringify(all, null, 2) + '\n');
  console.log(`\nratio: cost relative to the baseline (above 1 = slower). Wrote ${out}`);
}

await main();
