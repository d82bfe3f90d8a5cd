/**
 * The WebAssembly SIMD zero scan, instantiated on a caller's shared
 * `WebAssembly.Memory` so it reads guest RAM that lives there in place.
 * A WebAssembly module can only address its own memories, never an
 * arbitrary `SharedArrayBuffer`, so this kernel exists only for RAM that was
 * allocated inside a wasm memory (see `registerZeroScanMemory`); everything
 * else takes the JS word loop in `bufferIsZero.ts`.
 *
 * `nz(a, end) -> 0 | 1` over byte addresses [a, end), both 16-byte aligned:
 * four `v128.load`s OR-ed together per 64-byte chunk and one
 * `v128.any_true` test per chunk (QEMU's buffer_zero_sse2 shape, with the OR
 * that upstream 34664507c7 spelled as an intrinsic), then the remaining
 * 16-byte vectors one at a time. Distances are computed as `end - a` so an
 * `end` of 2^32 (passed as 0) still works.
 */

import { compileSharedMemoryKernel, hostWebAssembly as wasm, sleb128 as sleb, uleb128 as uleb, wasmSection as section } from '@memvisor/memory-core';

const BLOCK = 0x02, LOOP = 0x03, IF = 0x04, END = 0x0b, BR = 0x0c, BR_IF = 0x0d, RETURN = 0x0f, VOID = 0x40;
const GET = 0x20, SET = 0x21, I32_CONST = 0x41, I32_LT_U = 0x49, I32_ADD = 0x6a, I32_SUB = 0x6b;
const I32 = 0x7f;
const A = 0, E = 1;
/** v128.load with alignment 16 and a constant offset. */
const load = (offset: number): number[] => [GET, A, 0xfd, 0x00, 0x04, ...uleb(offset)];
const V128_OR = [0xfd, 0x50];
const V128_ANY_TRUE = [0xfd, 0x53];

/** Exits the enclosing block when fewer than `n` bytes remain. */
const exitBelow = (n: number): number[] => [GET, E, GET, A, I32_SUB, I32_CONST, ...sleb(n), I32_LT_U, BR_IF, 1];
const advance = (n: number): number[] => [GET, A, I32_CONST, ...sleb(n), I32_ADD, SET, A];
const returnOneIfAny = [...V128_ANY_TRUE, IF, VOID, I32_CONST, 1, RETURN, END];

const nzBody: number[] = [
  0x00,
  BLOCK, VOID, LOOP, VOID,
  ...exitBelow(64),
  ...load(0), ...load(16), ...V128_OR, ...load(32), ...load(48), ...V128_OR, ...V128_OR,
  ...returnOneIfAny,
  ...advance(64),
  BR, 0, END, END,
  BLOCK, VOID, LOOP, VOID,
  ...exitBelow(16),
  ...load(0), ...returnOneIfAny,
  ...advance(16),
  BR, 0, END, END,
  I32_CONST, 0, END,
];

const moduleBytes = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  // type 0: (i32 i32) -> i32
  ...section(1, [0x01, 0x60, 0x02, I32, I32, 0x01, I32]),
  // import "e" "m": shared memory, min 0, max 65536 pages (accepts any shared memory)
  ...section(2, [0x01, 0x01, 0x65, 0x01, 0x6d, 0x02, 0x03, 0x00, ...uleb(65536)]),
  ...section(3, [0x01, 0x00]),
  // export "nz" = func 0
  ...section(7, [0x01, 0x02, 0x6e, 0x7a, 0x00, 0x00]),
  ...section(10, [0x01, ...uleb(nzBody.length), ...nzBody]),
]);

/** A shared `WebAssembly.Memory`, structurally (no DOM lib). */
export interface SharedWasmMemory {
  readonly buffer: ArrayBufferLike;
}

let compiled: object | null | undefined;

function compiledModule(): object | null {
  if (compiled === undefined) compiled = compileSharedMemoryKernel(moduleBytes);
  return compiled;
}

/** `nz(a, end)`: 1 when a byte at wasm address [a, end) (16-aligned) is non-zero. */
export type ZeroScanKernel = (a: number, end: number) => number;

/**
 * The kernel instantiated on `memory`, or null when this engine has no wasm
 * SIMD/threads or the memory is not a shared one.
 */
export function createZeroScanKernel(memory: SharedWasmMemory): ZeroScanKernel | null {
  const mod = compiledModule();
  if (mod === null || wasm === undefined) return null;
  try {
    const inst = new wasm.Instance(mod, { e: { m: memory } });
    return inst.exports['nz'] as ZeroScanKernel;
  } catch {
    return null;
  }
}
