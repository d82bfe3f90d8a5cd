/**
 * The inner loop of the migration sync as a tiny WebAssembly function over a
 * bitmap block that lives in a shared `WebAssembly.Memory`. V8 runs
 * `i32.atomic.rmw.xchg` inline, several times faster than `Atomics.exchange`
 * (a builtin call), and the exchange per dirty word is what the sync costs.
 *
 * The function, `take(w, end, idx, vals) -> n`, in two passes:
 *   1. for each word index k in [w, end): idx[n] = k; n += (mem[k] != 0)
 *      (branch-free: which words are dirty is random);
 *   2. for i < n: vals[i] = atomic_xchg(mem[idx[i]], 0).
 * `idx` and `vals` are byte addresses of scratch arrays in the same memory,
 * after the bitmap. The caller merges (idx[i], vals[i]) into its own bitmap.
 */

/** Words per `take` call: the scratch holds this many indexes and values. */
export const SYNC_KERNEL_BATCH = 8192;
/** Bytes of scratch after the bitmap: idx then vals, 64 KiB (one wasm page). */
export const SYNC_KERNEL_SCRATCH_BYTES = SYNC_KERNEL_BATCH * 8;

/** Unsigned LEB128. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

// Opcodes used below.
const BLOCK = 0x02, LOOP = 0x03, END = 0x0b, BR = 0x0c, BR_IF = 0x0d, VOID = 0x40;
const GET = 0x20, SET = 0x21, CONST = 0x41, LOAD = 0x28, STORE = 0x36;
const NE = 0x47, GE_U = 0x4f, ADD = 0x6a, SHL = 0x74;
const XCHG = [0xfe, 0x41];
const I32 = 0x7f;
const MEMARG = [0x02, 0x00]; // align 4, offset 0

// Parameters 0..3 (w, end, idx, vals); locals 4..7 (n, v, i, k).
const W = 0, E = 1, IDX = 2, VALS = 3, N = 4, V = 5, I = 6, K = 7;

const body: number[] = [
  0x01, 0x04, I32, // four i32 locals
  // pass 1: list the non-zero words
  BLOCK, VOID, LOOP, VOID,
  GET, W, GET, E, GE_U, BR_IF, 1,
  GET, W, CONST, 2, SHL, LOAD, ...MEMARG, SET, V,
  GET, IDX, GET, N, CONST, 2, SHL, ADD, GET, W, STORE, ...MEMARG,
  GET, N, GET, V, CONST, 0, NE, ADD, SET, N,
  GET, W, CONST, 1, ADD, SET, W,
  BR, 0, END, END,
  // pass 2: exchange them
  BLOCK, VOID, LOOP, VOID,
  GET, I, GET, N, GE_U, BR_IF, 1,
  GET, IDX, GET, I, CONST, 2, SHL, ADD, LOAD, ...MEMARG, SET, K,
  GET, VALS, GET, I, CONST, 2, SHL, ADD,
  GET, K, CONST, 2, SHL, CONST, 0, ...XCHG, ...MEMARG,
  STORE, ...MEMARG,
  GET, I, CONST, 1, ADD, SET, I,
  BR, 0, END, END,
  GET, N, END,
];

const moduleBytes = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  // type 0: (i32 i32 i32 i32) -> i32
  ...section(1, [0x01, 0x60, 0x04, I32, I32, I32, I32, 0x01, I32]),
  // import "e" "m": shared memory, min 1, max 65536 pages
  ...section(2, [0x01, 0x01, 0x65, 0x01, 0x6d, 0x02, 0x03, 0x01, ...uleb(65536)]),
  ...section(3, [0x01, 0x00]),
  // export "take" = func 0
  ...section(7, [0x01, 0x04, 0x74, 0x61, 0x6b, 0x65, 0x00, 0x00]),
  ...section(10, [0x01, ...uleb(body.length), ...body]),
]);

/** The part of the WebAssembly JS API used here (the package compiles without the DOM lib). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (desc: { initial: number; maximum: number; shared: boolean }) => { readonly buffer: ArrayBufferLike };
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}

const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: object | null | undefined;

function compiledModule(): object | null {
  if (compiled === undefined) {
    try {
      if (wasm === undefined) throw new Error('no WebAssembly');
      // Shared memories need threads support (and, in browsers, cross-origin isolation).
      new wasm.Memory({ initial: 1, maximum: 1, shared: true });
      compiled = new wasm.Module(moduleBytes);
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** One bitmap block in a shared wasm memory, with the sync loop bound to it. */
export interface SyncKernelBlock {
  /** The bitmap words (`words` long), a view on the shared memory. */
  readonly bitmap: Uint32Array;
  /** Scratch word indexes written by `take`. */
  readonly idx: Uint32Array;
  /** Scratch word values written by `take`. */
  readonly vals: Uint32Array;
  /** Runs the two passes over bitmap words [w, end) (end - w <= SYNC_KERNEL_BATCH); returns n. */
  readonly take: (w: number, end: number, idx: number, vals: number) => number;
  /** Byte address of `idx` in the memory. */
  readonly idxAddr: number;
  /** Byte address of `vals` in the memory. */
  readonly valsAddr: number;
}

/**
 * A bitmap block of `words` 32-bit words in a new shared wasm memory with the
 * sync kernel instantiated on it, or null when this engine cannot (no
 * WebAssembly threads, or no room for another wasm memory): callers then
 * use a plain SharedArrayBuffer.
 */
export function createSyncKernelBlock(words: number): SyncKernelBlock | null {
  const mod = compiledModule();
  if (mod === null || wasm === undefined) return null;
  const bitmapBytes = Math.ceil((words * 4) / 8) * 8;
  const pages = Math.ceil((bitmapBytes + SYNC_KERNEL_SCRATCH_BYTES) / 65536);
  let memory: { readonly buffer: ArrayBufferLike };
  let instance: { readonly exports: Record<string, unknown> };
  try {
    memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true });
    instance = new wasm.Instance(mod, { e: { m: memory } });
  } catch {
    // Out of address space for another wasm memory (each reserves guard
    // regions): fall back to a plain SharedArrayBuffer for this block.
    return null;
  }
  const buffer = memory.buffer;
  const idxAddr = bitmapBytes;
  const valsAddr = bitmapBytes + SYNC_KERNEL_BATCH * 4;
  return {
    bitmap: new Uint32Array(buffer, 0, words),
    idx: new Uint32Array(buffer, idxAddr, SYNC_KERNEL_BATCH),
    vals: new Uint32Array(buffer, valsAddr, SYNC_KERNEL_BATCH),
    take: instance.exports['take'] as (w: number, end: number, idx: number, vals: number) => number,
    idxAddr,
    valsAddr,
  };
}
