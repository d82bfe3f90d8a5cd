import { compileSharedMemoryKernel, hostWebAssembly as wasm, sleb128 as sleb, uleb128 as uleb, wasmSection as section } from '../util/wasmKernel.js';

/**
 * The migration sync of one bitmap block as a tiny WebAssembly function over
 * a block that lives in a shared `WebAssembly.Memory`, with a mirror of the
 * destination words beside it in the same memory. V8 runs
 * `i64.atomic.rmw.xchg` inline, where `Atomics.exchange` is a builtin call,
 * and the exchange per dirty word is what the sync cannot avoid.
 *
 * Memory layout, each region `bitmapBytes` long (`words` 32-bit words
 * rounded up to 64 bytes): the two MIGRATION bitmaps (the double buffer, see
 * `DirtyMemory.syncMigrationRound`), the migration bitmap they are taken
 * into, and the mirror of a caller's destination; then two lists of
 * SYNC_KERNEL_CHUNK word addresses.
 *
 * The function, `sync(a, end, delta, list) -> n`, over the 64-bit words at
 * byte addresses [a, end) (8-aligned), a chunk of SYNC_KERNEL_CHUNK words at
 * a time, in two passes:
 *   1. for each word at address p: list[m] = p; m += (mem64[p] != 0)
 *      (branch-free: with 1% of pages dirty about half the words are, at
 *      random, and a branch per word mispredicts badly);
 *   2. for i < m: p = list[i]; v = i64.atomic.rmw.xchg(p, 0);
 *      old = mem64[p + delta]; mem64[p + delta] = old | v;
 *      n += popcnt(v & ~old).
 * The passes overlap: chunk i + 1 is listed into one list while the words
 * of chunk i are exchanged from the other (see `body`).
 * `delta` is the mirror's address minus the bitmap's. The caller copies its
 * destination words into the mirror before and back out after: two memcpys
 * cost far less than merging the exchanged words in JS one by one.
 *
 * A second function, `any(a, end)`, says whether any word of the range is
 * non-zero, so that syncing a clean range costs one read and no copies.
 *
 * A third, `take(a, end, delta) -> n`, is the double-buffered round's inner
 * loop over a bitmap no writer targets any more: with plain 128-bit SIMD
 * loads and stores, branch-free, for each 16 bytes at p in [a, end)
 * (64-byte aligned): v = mem[p]; old = mem[p + delta];
 * mem[p + delta] = old | v; mem[p] = 0; n += popcnt(v & ~old). No atomics:
 * why that is safe is in `DirtyMemory.syncMigrationRound`.
 *
 * The plain 64-bit loads of pass 1 only choose which words to exchange: a
 * word that becomes non-zero after its load is not touched and keeps its
 * bits for the next sync, exactly as if it had been set after the sync. Every
 * bit cleared is cleared by the exchange that returns it, so every bit taken
 * out of the bitmap lands in the destination.
 *
 * Writers set bits with 32-bit `Atomics.or` on the same words that the
 * kernel exchanges 64 bits at a time. The JS memory model only orders
 * atomics of equal size on the same bytes, but every engine compiles both to
 * single read-modify-write instructions on naturally aligned memory (x86
 * `lock or` / `xchg`, Arm `ldset` / `swp` or exclusive pairs whose
 * reservation covers the aligned 8 bytes), which the hardware makes atomic
 * with respect to each other: an OR lands wholly before the exchange (and is
 * returned by it) or wholly after (and stays set). (QEMU never mixes sizes:
 * its setters and its exchange both work on `unsigned long` words. Here the
 * 64-bit exchange saves one exchange in seven with 1% of pages dirty.) The
 * concurrency test (`dirtyMemory.concurrency.test.ts`) checks it on the host
 * that runs it; to rule the assumption out, exchange the two 32-bit halves.
 */

/** 64-bit words per chunk of the kernel's loop (its list holds one address per word). */
export const SYNC_KERNEL_CHUNK = 4096;
/** Bytes of one of the kernel's two lists. */
const LIST_BYTES = SYNC_KERNEL_CHUNK * 4;

// Opcodes used below.
const BLOCK = 0x02, LOOP = 0x03, IF = 0x04, END = 0x0b, BR = 0x0c, BR_IF = 0x0d, RETURN = 0x0f, VOID = 0x40, SELECT = 0x1b;
const GET = 0x20, SET = 0x21, TEE = 0x22;
const I32_CONST = 0x41, I64_CONST = 0x42;
const I32_LOAD = [0x28, 0x02, 0x00], I32_STORE = [0x36, 0x02, 0x00]; // align 4, offset 0
const I64_LOAD = [0x29, 0x03, 0x00], I64_STORE = [0x37, 0x03, 0x00]; // align 8, offset 0
const I64_XCHG = [0xfe, 0x42, 0x03, 0x00]; // i64.atomic.rmw.xchg, align 8
const I32_LT_U = 0x49, I32_GT_U = 0x4b, I32_GE_U = 0x4f, I32_ADD = 0x6a, I32_SUB = 0x6b, I32_AND = 0x71, I32_SHL = 0x74;
const I64_NE = 0x52, I64_POPCNT = 0x7b, I64_ADD = 0x7c, I64_AND = 0x83, I64_OR = 0x84, I64_XOR = 0x85;
const I32_WRAP_I64 = 0xa7;
const I32 = 0x7f, I64 = 0x7e, V128 = 0x7b;
// SIMD (prefix 0xfd, then the opcode as unsigned LEB128).
const SIMD = 0xfd;
const V128_LOAD = (off: number): number[] => [SIMD, 0x00, 0x04, ...uleb(off)]; // align 16
const V128_STORE = (off: number): number[] => [SIMD, 0x0b, 0x04, ...uleb(off)];
const V128_ZERO = [SIMD, 0x0c, ...new Array<number>(16).fill(0)];
const V128_OR = [SIMD, 0x50], V128_ANDNOT = [SIMD, 0x4f];
const I8X16_POPCNT = [SIMD, 0x62], I16X8_EXTADD_U = [SIMD, 0x7d], I32X4_EXTADD_U = [SIMD, 0x7f];
const I32X4_ADD = [SIMD, 0xae, 0x01];
const I32X4_LANE = (l: number): number[] => [SIMD, 0x1b, l];

// Parameters 0..3 (a, end, delta, list); i32 locals 4..10; i64 locals 11..13.
const A = 0, E = 1, DELTA = 2, LIST = 3;
const STOP = 4, M = 5, P = 6, Q = 7, QEND = 8, CUR = 9, T = 10;
const V = 11, OLD = 12, N = 13;

/** stop = min(a + chunk, end) */
const chunkStop = [
  GET, A, I32_CONST, ...sleb(SYNC_KERNEL_CHUNK * 8), I32_ADD, TEE, STOP,
  GET, E,
  GET, STOP, GET, E, I32_LT_U,
  SELECT, SET, STOP,
];

/** list[m] = p + off; m += (mem64[p + off] != 0) */
function listWord(off: number): number[] {
  return [
    GET, M, GET, P, ...(off === 0 ? [] : [I32_CONST, ...sleb(off), I32_ADD]), ...I32_STORE,
    GET, M, GET, P, 0x29, 0x03, ...uleb(off), I64_CONST, 0, I64_NE, I32_CONST, 2, I32_SHL, I32_ADD, SET, M,
  ];
}

/** Lists the non-zero words in [p, stop): four per iteration while four remain, then one at a time. */
const scanRest = [
  BLOCK, VOID, LOOP, VOID,
  GET, P, I32_CONST, 32, I32_ADD, GET, STOP, I32_GT_U, BR_IF, 1,
  ...listWord(0), ...listWord(8), ...listWord(16), ...listWord(24),
  GET, P, I32_CONST, 32, I32_ADD, SET, P,
  BR, 0, END, END,
  BLOCK, VOID, LOOP, VOID,
  GET, P, GET, STOP, I32_GE_U, BR_IF, 1,
  ...listWord(0),
  GET, P, I32_CONST, 8, I32_ADD, SET, P,
  BR, 0, END, END,
];

/** One more word of the scan, if any is left (a well-predicted branch). */
const scanOne = [
  GET, P, GET, STOP, I32_LT_U, IF, VOID,
  ...listWord(0),
  GET, P, I32_CONST, 8, I32_ADD, SET, P,
  END,
];

/** Exchanges the word listed at q and merges it into the mirror; q += 4. */
const exchangeOne = [
  GET, Q, ...I32_LOAD, TEE, T, I64_CONST, 0, ...I64_XCHG, SET, V,
  GET, T, GET, DELTA, I32_ADD, TEE, T, ...I64_LOAD, SET, OLD,
  GET, T, GET, OLD, GET, V, I64_OR, ...I64_STORE,
  GET, N, GET, V, GET, OLD, I64_CONST, 0x7f, I64_XOR, I64_AND, I64_POPCNT, I64_ADD, SET, N,
  GET, Q, I32_CONST, 4, I32_ADD, SET, Q,
];

// Software-pipelined: the words listed from one chunk are exchanged while
// the next chunk is scanned into the other list, two words of scan per
// exchange. A locked exchange stalls the core for a few nanoseconds, and the
// plain loads and stores of the scan fit in that shadow.
const body: number[] = [
  0x02, 0x07, I32, 0x03, I64, // seven i32 locals, three i64 locals
  ...chunkStop,
  GET, LIST, SET, M, GET, A, SET, P,
  ...scanRest,
  GET, LIST, SET, Q, GET, M, SET, QEND,
  GET, STOP, SET, A,
  GET, LIST, I32_CONST, ...sleb(LIST_BYTES), I32_ADD, SET, CUR,
  BLOCK, VOID, LOOP, VOID,
  GET, A, GET, E, I32_GE_U, GET, Q, GET, QEND, I32_GE_U, I32_AND, BR_IF, 1,
  ...chunkStop,
  GET, CUR, SET, M, GET, A, SET, P,
  BLOCK, VOID, LOOP, VOID,
  GET, Q, GET, QEND, I32_GE_U, BR_IF, 1,
  ...exchangeOne,
  ...scanOne, ...scanOne,
  BR, 0, END, END,
  ...scanRest,
  GET, CUR, SET, Q, GET, M, SET, QEND,
  GET, STOP, SET, A,
  // cur = the other list
  GET, LIST, GET, LIST, I32_ADD, I32_CONST, ...sleb(LIST_BYTES), I32_ADD, GET, CUR, I32_SUB, SET, CUR,
  BR, 0, END, END,
  GET, N, I32_WRAP_I64, END,
];

/** `any(a, end) -> 0 | 1`: whether a 64-bit word in [a, end) is non-zero (plain loads, four words per iteration). */
const anyBody: number[] = [
  0x00, // no locals
  BLOCK, VOID, LOOP, VOID,
  GET, A, I32_CONST, 32, I32_ADD, GET, E, I32_GT_U, BR_IF, 1,
  GET, A, 0x29, 0x03, 0, GET, A, 0x29, 0x03, 8, I64_OR,
  GET, A, 0x29, 0x03, 16, GET, A, 0x29, 0x03, 24, I64_OR, I64_OR,
  I64_CONST, 0, I64_NE, IF, VOID, I32_CONST, 1, RETURN, END,
  GET, A, I32_CONST, 32, I32_ADD, SET, A,
  BR, 0, END, END,
  BLOCK, VOID, LOOP, VOID,
  GET, A, GET, E, I32_GE_U, BR_IF, 1,
  GET, A, ...I64_LOAD, I64_CONST, 0, I64_NE, IF, VOID, I32_CONST, 1, RETURN, END,
  GET, A, I32_CONST, 8, I32_ADD, SET, A,
  BR, 0, END, END,
  I32_CONST, 0, END,
];


// take: params (a, end, delta) = locals 0..2; i32 locals 3, 4 (q, n); v128 locals 5..8 (v, old, acc8, acc32).
const TQ = 3, TN = 4, TV = 5, TOLD = 6, TACC8 = 7, TACC32 = 8;
const I8X16_ADD = [SIMD, 0x6e];
const I32_NE = 0x47;
/** 64-byte steps between two widenings of the byte counters: each step adds at most 4 x 8 to a byte lane. */
const TAKE_STEPS = 7;

/** One 16-byte move of `take` at p + off; adds its new bits to the byte counters. */
function takeVector(off: number): number[] {
  return [
    GET, A, ...V128_LOAD(off), SET, TV,
    GET, TQ, ...V128_LOAD(off), SET, TOLD,
    GET, TQ, GET, TOLD, GET, TV, ...V128_OR, ...V128_STORE(off),
    GET, A, ...V128_ZERO, ...V128_STORE(off),
    GET, TACC8, GET, TV, GET, TOLD, ...V128_ANDNOT, ...I8X16_POPCNT, ...I8X16_ADD, SET, TACC8,
  ];
}

const takeBody: number[] = [
  0x02, 0x02, I32, 0x04, V128, // two i32 locals, four v128 locals
  BLOCK, VOID, LOOP, VOID,
  GET, A, GET, E, I32_GE_U, BR_IF, 1,
  I32_CONST, TAKE_STEPS, SET, TN,
  BLOCK, VOID, LOOP, VOID,
  GET, A, GET, DELTA, I32_ADD, SET, TQ,
  ...takeVector(0), ...takeVector(16), ...takeVector(32), ...takeVector(48),
  GET, A, I32_CONST, 0xc0, 0x00, I32_ADD, SET, A, // a += 64
  GET, TN, I32_CONST, 1, I32_SUB, TEE, TN, I32_CONST, 0, I32_NE,
  GET, A, GET, E, I32_LT_U, I32_AND, BR_IF, 0,
  END, END,
  // Widen the byte counters into the 32-bit ones.
  GET, TACC32, GET, TACC8, ...I16X8_EXTADD_U, ...I32X4_EXTADD_U, ...I32X4_ADD, SET, TACC32,
  ...V128_ZERO, SET, TACC8,
  BR, 0, END, END,
  GET, TACC32, ...I32X4_LANE(0), GET, TACC32, ...I32X4_LANE(1), I32_ADD,
  GET, TACC32, ...I32X4_LANE(2), I32_ADD, GET, TACC32, ...I32X4_LANE(3), I32_ADD,
  END,
];

const moduleBytes = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  // type 0: (i32 i32 i32 i32) -> i32; type 1: (i32 i32) -> i32; type 2: (i32 i32 i32) -> i32
  ...section(1, [0x03, 0x60, 0x04, I32, I32, I32, I32, 0x01, I32, 0x60, 0x02, I32, I32, 0x01, I32, 0x60, 0x03, I32, I32, I32, 0x01, I32]),
  // import "e" "m": shared memory, min 1, max 65536 pages
  ...section(2, [0x01, 0x01, 0x65, 0x01, 0x6d, 0x02, 0x03, 0x01, ...uleb(65536)]),
  ...section(3, [0x03, 0x00, 0x01, 0x02]),
  // export "sync" = func 0, "any" = func 1, "take" = func 2
  ...section(7, [0x03, 0x04, 0x73, 0x79, 0x6e, 0x63, 0x00, 0x00, 0x03, 0x61, 0x6e, 0x79, 0x00, 0x01, 0x04, 0x74, 0x61, 0x6b, 0x65, 0x00, 0x02]),
  ...section(10, [0x03, ...uleb(body.length), ...body, ...uleb(anyBody.length), ...anyBody, ...uleb(takeBody.length), ...takeBody]),
]);

let compiled: object | null | undefined;

function compiledModule(): object | null {
  if (compiled === undefined) compiled = compileSharedMemoryKernel(moduleBytes);
  return compiled;
}

/** One MIGRATION bitmap block (both halves of its double buffer) in a shared wasm memory, with the kernels bound to it. */
export interface SyncKernelBlock {
  /** The two bitmaps of the double buffer (`words` long each), views on the shared memory. */
  readonly bitmaps: readonly [Uint32Array, Uint32Array];
  /** Byte address of each bitmap. */
  readonly bitmapAddrs: readonly [number, number];
  /** The migration bitmap the round takes bits into (`words` long). Private to the owner's thread. */
  readonly dest: Uint32Array;
  /** Byte address of {@link dest}. */
  readonly destAddr: number;
  /** The mirror of a caller's destination: word k goes with bitmap word k. Private to the owner's thread. */
  readonly mirror: Uint32Array;
  /** Byte address of {@link mirror}. */
  readonly mirrorAddr: number;
  /**
   * Moves the 64-bit words at byte addresses [a, end) (8-aligned, in one
   * bitmap) by atomic exchange into the words `delta` bytes further on;
   * returns the number of bits new there.
   */
  readonly sync: (a: number, end: number, delta: number, list: number) => number;
  /** Whether any 64-bit word at byte addresses [a, end) (8-aligned) is non-zero; stops at the first. */
  readonly any: (a: number, end: number) => number;
  /**
   * Moves the bits at byte addresses [a, end) (64-byte aligned) with plain
   * loads and stores into the words `delta` bytes further on, zeroing the
   * source; returns the number of bits new there.
   */
  readonly take: (a: number, end: number, delta: number) => number;
  /** Byte address of the kernel's list. */
  readonly listAddr: number;
  /** Bytes of each region (a bitmap rounded up to 64 bytes). */
  readonly regionBytes: number;
}

/**
 * A MIGRATION bitmap block of `words` 32-bit words, double-buffered, in a
 * new shared wasm memory with the kernels instantiated on it, or null when
 * this engine cannot (no WebAssembly threads or SIMD, or no room for another
 * wasm memory): callers then use plain SharedArrayBuffers.
 */
export function createSyncKernelBlock(words: number): SyncKernelBlock | null {
  const mod = compiledModule();
  if (mod === null || wasm === undefined) return null;
  const regionBytes = Math.ceil((words * 4) / 64) * 64;
  const pages = Math.ceil((4 * regionBytes + 2 * LIST_BYTES) / 65536);
  let memory: { readonly buffer: ArrayBufferLike };
  let instance: { readonly exports: Record<string, unknown> };
  try {
    memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true });
    instance = new wasm.Instance(mod, { e: { m: memory } });
  } catch {
    // Out of address space for another wasm memory (each reserves guard
    // regions): fall back to plain SharedArrayBuffers for this block.
    return null;
  }
  const buffer = memory.buffer;
  return {
    bitmaps: [new Uint32Array(buffer, 0, words), new Uint32Array(buffer, regionBytes, words)],
    bitmapAddrs: [0, regionBytes],
    dest: new Uint32Array(buffer, 2 * regionBytes, words),
    destAddr: 2 * regionBytes,
    mirror: new Uint32Array(buffer, 3 * regionBytes, words),
    mirrorAddr: 3 * regionBytes,
    sync: instance.exports['sync'] as (a: number, end: number, delta: number, list: number) => number,
    any: instance.exports['any'] as (a: number, end: number) => number,
    take: instance.exports['take'] as (a: number, end: number, delta: number) => number,
    listAddr: 4 * regionBytes,
    regionBytes,
  };
}
