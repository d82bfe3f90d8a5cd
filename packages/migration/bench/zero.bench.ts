/**
 * Zero-page detection over 16 MiB of all-zero guest RAM, page by page (the
 * worst case: every byte is read). `bufferIsZero` on RAM in a plain
 * SharedArrayBuffer (JS word loop) and in a shared WebAssembly.Memory (SIMD
 * kernel), each compared, in the same run, with the naive byte loop over the
 * same pages.
 */
import { hostWebAssembly } from '@memvisor/memory-core';
import { record, timeMs, type BenchCase } from '../../../tools/bench/harness.js';
import { bufferIsZero, registerZeroScanMemory } from '../src/zero/bufferIsZero.js';

const PAGE = 4096;
const RAM = 16 * 1024 * 1024;

function naiveIsZero(bytes: Uint8Array, offset: number, length: number): boolean {
  for (let i = offset; i < offset + length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** Median ms to classify every page of `ram` with `isZero`; checks that all were found zero. */
async function scanMs(name: string, ram: Uint8Array, isZero: (b: Uint8Array, o: number, l: number) => boolean): Promise<number> {
  let zero = 0;
  const ms = await timeMs(name, () => {
    zero = 0;
    for (let off = 0; off < ram.length; off += PAGE) if (isZero(ram, off, PAGE)) zero++;
  });
  if (zero !== ram.length / PAGE) throw new Error(`${name}: ${zero} of ${ram.length / PAGE} pages found zero`);
  return ms;
}

function fmtMs(ms: number): string {
  return ms < 1 ? `${(ms * 1000).toFixed(1)} us` : `${ms.toFixed(3)} ms`;
}

function scanCase(id: string, what: string, makeRam: () => Uint8Array | null): BenchCase {
  return {
    id,
    async run() {
      const ram = makeRam();
      if (ram === null) {
        return record({ id, value: 0, unit: 'B/s', baseline: 'naive byte loop', baselineValue: Number.NaN, note: `${what}: unavailable on this engine` });
      }
      const fast = await scanMs(`bufferIsZero (${what})`, ram, bufferIsZero);
      const naive = await scanMs(`byte loop (${what})`, ram, naiveIsZero);
      return record({
        id,
        value: RAM / (fast / 1000),
        unit: 'B/s',
        baseline: 'naive byte loop',
        baselineValue: RAM / (naive / 1000),
        note: `${what}: ${fmtMs(fast)} vs byte loop ${fmtMs(naive)} per 16 MiB of zero 4 KiB pages (${(naive / fast).toFixed(1)}x faster)`,
      });
    },
  };
}

const cases: BenchCase[] = [
  scanCase('migration/buffer-is-zero-sab', 'SharedArrayBuffer, JS word loop', () => new Uint8Array(new SharedArrayBuffer(RAM))),
  scanCase('migration/buffer-is-zero-wasm', 'shared wasm memory, SIMD kernel', () => {
    if (hostWebAssembly === undefined) return null;
    const memory = new hostWebAssembly.Memory({ initial: RAM / 65536, maximum: RAM / 65536, shared: true });
    return registerZeroScanMemory(memory) ? new Uint8Array(memory.buffer) : null;
  }),
];
export default cases;
