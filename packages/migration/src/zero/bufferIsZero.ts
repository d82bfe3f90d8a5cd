import { BufferRangeError } from '../errors.js';
import { createZeroScanKernel, type SharedWasmMemory, type ZeroScanKernel } from '../internal/zeroScanKernel.js';

/** Whole-buffer word views, one per buffer, so a scan allocates nothing. */
const wordViews = new WeakMap<ArrayBufferLike, Uint32Array>();
/** Buffers of shared wasm memories with the SIMD kernel bound to them. */
const kernels = new WeakMap<ArrayBufferLike, ZeroScanKernel>();

function wordsOf(buffer: ArrayBufferLike, wEnd: number): Uint32Array {
  let words = wordViews.get(buffer);
  // A growable buffer may have grown since the view was made.
  if (words === undefined || words.length < wEnd) {
    words = new Uint32Array(buffer, 0, Math.floor(buffer.byteLength / 4));
    wordViews.set(buffer, words);
  }
  return words;
}

function bytesAreZero(bytes: Uint8Array, from: number, to: number): boolean {
  let acc = 0;
  for (let i = from; i < to; i++) acc |= bytes[i] as number;
  return acc === 0;
}

/**
 * True when every byte of `bytes[offset, offset + length)` is zero (QEMU's
 * `buffer_is_zero`, used by RAM save to send a page as a ZERO record instead
 * of its 4 KiB). An empty range is zero. Reads the bytes in place, never
 * copying: guest RAM in a `SharedArrayBuffer` is scanned through a cached
 * whole-buffer `Uint32Array`, sixteen words (64 bytes) OR-ed per test, with
 * the unaligned head and tail done bytewise; RAM in a shared
 * `WebAssembly.Memory` registered with {@link registerZeroScanMemory} is
 * scanned by a WebAssembly SIMD kernel (v128 OR over 64-byte chunks).
 *
 * Reads are plain loads: a vCPU writing the page concurrently may or may
 * not be seen, exactly as in QEMU, where the dirty bitmap catches the write
 * for the next round. Hot path.
 *
 * @param bytes - the bytes (any view; its `byteOffset` is honoured)
 * @param offset - first byte of the range, relative to `bytes`; default 0
 * @param length - bytes to check; default to the end of `bytes`
 * @throws BufferRangeError when the range is not inside `bytes` (non-integer, negative, or past the end)
 */
export function bufferIsZero(bytes: Uint8Array, offset = 0, length = bytes.length - offset): boolean {
  if (!(Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= 0 && offset + length <= bytes.length)) {
    throw new BufferRangeError(offset, length, bytes.length);
  }
  const end = offset + length;
  if (length < 64) return bytesAreZero(bytes, offset, end);
  // Most non-zero pages are rejected here (QEMU tests the first and last words before the loop).
  if (((bytes[offset] as number) | (bytes[end - 1] as number)) !== 0) return false;
  const base = bytes.byteOffset;
  const abs = base + offset;
  const absEnd = base + end;
  const kernel = kernels.get(bytes.buffer);
  if (kernel !== undefined) {
    const a = Math.ceil(abs / 16) * 16;
    const e = Math.floor(absEnd / 16) * 16;
    if (!bytesAreZero(bytes, offset, a - base) || !bytesAreZero(bytes, e - base, end)) return false;
    // `e` may be 2^32; the kernel gets it modulo 2^32 and works on the distance.
    return kernel(a, e | 0) === 0;
  }
  const wStart = Math.ceil(abs / 4);
  const wEnd = Math.floor(absEnd / 4);
  if (!bytesAreZero(bytes, offset, wStart * 4 - base) || !bytesAreZero(bytes, wEnd * 4 - base, end)) return false;
  const words = wordsOf(bytes.buffer, wEnd);
  let w = wStart;
  const wLast = wEnd - 16;
  while (w <= wLast) {
    if (
      ((words[w] as number) | (words[w + 1] as number) | (words[w + 2] as number) | (words[w + 3] as number) |
        (words[w + 4] as number) | (words[w + 5] as number) | (words[w + 6] as number) | (words[w + 7] as number) |
        (words[w + 8] as number) | (words[w + 9] as number) | (words[w + 10] as number) | (words[w + 11] as number) |
        (words[w + 12] as number) | (words[w + 13] as number) | (words[w + 14] as number) | (words[w + 15] as number)) !== 0
    ) {
      return false;
    }
    w += 16;
  }
  let acc = 0;
  while (w < wEnd) acc |= words[w++] as number;
  return acc === 0;
}

/**
 * Lets {@link bufferIsZero} scan RAM that lives in this shared
 * `WebAssembly.Memory` with the WebAssembly SIMD kernel, in place. Allocate
 * guest RAM inside the memory (e.g. `RegionDirtyLog.allocRam(id, { host:
 * memory.buffer, hostOffset })`) to benefit. Registers the memory's current
 * buffer: after `memory.grow`, register again for views on the new buffer
 * (views on the old one keep working). Returns false, and changes nothing,
 * when the engine lacks wasm SIMD or threads or the memory is not shared;
 * the JS word loop is then used, with the same results.
 */
export function registerZeroScanMemory(memory: SharedWasmMemory): boolean {
  const buffer = memory.buffer;
  if (kernels.has(buffer)) return true;
  const kernel = createZeroScanKernel(memory);
  if (kernel === null) return false;
  kernels.set(buffer, kernel);
  return true;
}

/** True when views on `buffer` are scanned by the WebAssembly SIMD kernel. */
export function isZeroScanKernelBuffer(buffer: ArrayBufferLike): boolean {
  return kernels.has(buffer);
}
