import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferRangeError } from '../errors.js';
import { bufferIsZero, isZeroScanKernelBuffer, registerZeroScanMemory } from './bufferIsZero.js';

/** The WebAssembly JS API (the packages compile without the DOM lib). */
const Wasm = (globalThis as unknown as {
  WebAssembly: { Memory: new (d: { initial: number; maximum: number; shared: boolean }) => { readonly buffer: ArrayBufferLike } };
}).WebAssembly;


function naiveIsZero(bytes: Uint8Array, offset: number, length: number): boolean {
  for (let i = offset; i < offset + length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** A shared wasm memory of `pages` 64 KiB pages registered for the SIMD kernel. */
function wasmRam(pages: number): { buffer: SharedArrayBuffer; kernel: boolean } {
  const memory = new Wasm.Memory({ initial: pages, maximum: pages, shared: true });
  const kernel = registerZeroScanMemory(memory);
  return { buffer: memory.buffer as SharedArrayBuffer, kernel };
}

const backings: [string, () => SharedArrayBuffer][] = [
  ['SharedArrayBuffer (JS word loop)', () => new SharedArrayBuffer(512)],
  ['shared WebAssembly.Memory (SIMD kernel)', () => wasmRam(1).buffer],
];

describe('bufferIsZero', () => {
  it('the SIMD kernel is available on this engine for a shared wasm memory', () => {
    const { buffer, kernel } = wasmRam(1);
    expect(kernel).toBe(true);
    expect(isZeroScanKernelBuffer(buffer)).toBe(true);
    expect(isZeroScanKernelBuffer(new SharedArrayBuffer(64))).toBe(false);
  });

  for (const [name, make] of backings) {
    // upstream 34664507c7: the vector OR must not lose a byte in any lane, chunk, head or tail.
    it(`${name}: one non-zero byte at every position, view alignment and length agrees with a byte loop (34664507c7)`, () => {
      const buffer = make();
      const wrong: string[] = [];
      const check = (bytes: Uint8Array, offset: number, length: number, what: string): void => {
        if (bufferIsZero(bytes, offset, length) !== naiveIsZero(bytes, offset, length)) {
          wrong.push(`view at ${bytes.byteOffset}, range [${offset}, +${length}): ${what}`);
        }
      };
      for (let viewStart = 0; viewStart < 20; viewStart++) {
        const bytes = new Uint8Array(buffer, viewStart, 300);
        for (const offset of [0, 1, 3, 5, 8, 15, 16]) {
          for (let length = 0; length <= 200; length += length < 80 ? 1 : 13) {
            check(bytes, offset, length, 'all zero');
            for (let pos = offset; pos < offset + length; pos++) {
              bytes[pos] = 0x80 >>> (pos & 7);
              check(bytes, offset, length, `byte ${pos} set`);
              bytes[pos] = 0;
            }
            // bytes just outside the range do not count
            if (offset > 0) bytes[offset - 1] = 1;
            bytes[offset + length] = 1;
            check(bytes, offset, length, 'neighbours set');
            if (offset > 0) bytes[offset - 1] = 0;
            bytes[offset + length] = 0;
          }
        }
      }
      expect(wrong.slice(0, 5)).toEqual([]);
    });

    it(`${name}: random contents agree with a byte loop (property, 34664507c7)`, () => {
      const buffer = make();
      const all = new Uint8Array(buffer);
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 63 }),
          fc.integer({ min: 0, max: 400 }),
          fc.array(fc.tuple(fc.integer({ min: 0, max: 511 }), fc.integer({ min: 1, max: 255 })), { maxLength: 3 }),
          (start, length, pokes) => {
            all.fill(0);
            for (const [at, v] of pokes) all[at] = v;
            const bytes = new Uint8Array(buffer, start, 512 - start - 40);
            const len = Math.min(length, bytes.length);
            const offset = Math.min(7, bytes.length - len);
            expect(bufferIsZero(bytes, offset, len)).toBe(naiveIsZero(bytes, offset, len));
          },
        ),
        { numRuns: 2000 },
      );
    });
  }

  it('a 4 KiB guest page in a RAM-sized wasm memory: zero, then one byte set near the end of the memory', () => {
    const { buffer } = wasmRam(16);
    const page = new Uint8Array(buffer, buffer.byteLength - 4096, 4096);
    expect(bufferIsZero(page)).toBe(true);
    page[4095 - 70] = 1;
    expect(bufferIsZero(page)).toBe(false);
  });

  it('defaults: the whole view, and from offset to the end', () => {
    const bytes = new Uint8Array(new SharedArrayBuffer(4096 + 3), 3);
    expect(bufferIsZero(bytes)).toBe(true);
    bytes[100] = 9;
    expect(bufferIsZero(bytes)).toBe(false);
    expect(bufferIsZero(bytes, 101)).toBe(true);
    expect(bufferIsZero(new Uint8Array(0))).toBe(true);
  });

  it('works on a plain (non-shared) ArrayBuffer too', () => {
    const bytes = new Uint8Array(1000);
    expect(bufferIsZero(bytes, 1)).toBe(true);
    bytes[999] = 1;
    expect(bufferIsZero(bytes, 1)).toBe(false);
  });

  it('a range outside the view throws BufferRangeError naming it', () => {
    const bytes = new Uint8Array(16);
    for (const [o, l] of [[-1, 4], [0, 17], [10, 7], [1.5, 2], [0, -1], [0, Number.NaN]] as const) {
      const err = (() => {
        try {
          bufferIsZero(bytes, o, l);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(err).toBeInstanceOf(BufferRangeError);
      expect((err as BufferRangeError).available).toBe(16);
    }
    expect(() => bufferIsZero(bytes, 10, 7)).toThrow(/\[10, \+7\) is not inside a buffer of 16 bytes/);
  });
});
