/**
 * What memvisor's hand-assembled WebAssembly kernels share (the migration
 * sync in memory-core, the zero-page scan in migration: a few dozen
 * instructions each, written as byte arrays): the LEB128 and section
 * encodings, and compiling such a module where the engine can run it.
 */

/** Unsigned LEB128 of a non-negative 32-bit `n`. */
export function uleb128(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit `n` (64 needs two bytes: as one unsigned byte it would read back as -64). */
export function sleb128(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** Section `id` with its byte length in front. */
export function wasmSection(id: number, content: number[]): number[] {
  return [id, ...uleb128(content.length), ...content];
}

/** The part of the WebAssembly JS API the kernels use (the packages compile without the DOM lib). */
export interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (desc: { initial: number; maximum: number; shared: boolean }) => { readonly buffer: ArrayBufferLike };
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}

/** This engine's WebAssembly, or undefined where there is none. */
export const hostWebAssembly: WebAssemblyApi | undefined = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;

/**
 * Compiles a kernel that imports a shared memory, or returns null where this
 * engine cannot run it: no WebAssembly, no shared memories (threads; in
 * browsers, cross-origin isolation), or a feature the module uses (SIMD).
 * Callers then take their JS path. Compile once and keep the result.
 */
export function compileSharedMemoryKernel(bytes: Uint8Array): object | null {
  const wasm = hostWebAssembly;
  if (wasm === undefined) return null;
  try {
    new wasm.Memory({ initial: 1, maximum: 1, shared: true });
    return new wasm.Module(bytes);
  } catch {
    return null;
  }
}
