/**
 * What the bench.elf timings share (tcg.bench.ts and the tuning scripts
 * cold.ts, coldAb.ts and measure.ts): the guest, the QEMU command line it is
 * compared with, and the way cold runs keep V8 from reusing earlier runs' code.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Path of tools/guests/elf/bench.elf. */
export const BENCH_ELF = join(dirname(fileURLToPath(import.meta.url)), '../../../tools/guests/elf/bench.elf');

/** qemu-system-riscv32's arguments for the same run of bench.elf. */
export const QEMU_ARGS: readonly string[] = ['-M', 'virt', '-bios', 'none', '-kernel', BENCH_ELF, '-nographic', '-serial', 'stdio', '-monitor', 'none'];

/**
 * From now on, appends a comment `//TAG` (with `tag()` at that moment) to the
 * body of every `new Function`, as translated blocks are made: blocks made
 * under different tags are different sources, so V8's eval cache cannot hand
 * one the feedback or optimized code of another.
 */
export function tagBlockSources(tag: () => string | number): void {
  globalThis.Function = new Proxy(Function, {
    construct(target, args: unknown[]) {
      const a = args.map(String);
      a[a.length - 1] += `\n//${tag()}`;
      return Reflect.construct(target, a) as object;
    },
  });
}
