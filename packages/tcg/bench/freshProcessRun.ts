/**
 * One run of an ELF on the JIT in this (fresh) process; prints the engine's wall time
 * in ms: machine creation, ELF load, translation and execution, with none of the
 * generated code optimized by V8 yet. Used by tcg.bench.ts in a child process:
 * `node --import tsx --conditions=@memvisor/source bench/freshProcessRun.ts GUEST.elf`.
 */
import { readFileSync } from 'node:fs';
import { runElfBytes } from '../src/index.js';

const elf = new Uint8Array(readFileSync(process.argv[2]!));
const t0 = performance.now();
const r = runElfBytes(elf, { engine: 'jit' });
const ms = performance.now() - t0;
if (r.exitCode !== 0) {
  console.error(`exit status ${r.exitCode} (${r.reason})`);
  process.exit(1);
}
console.log(ms);
