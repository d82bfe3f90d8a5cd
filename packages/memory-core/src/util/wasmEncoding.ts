/**
 * The three encodings a hand-assembled WebAssembly module needs: LEB128
 * integers (unsigned for sizes and indexes, signed for `i32.const` and
 * `i64.const` immediates) and a section with its length. memvisor's kernels
 * (the migration sync in memory-core, the zero-page scan in migration) are a
 * few dozen instructions each, written as byte arrays with these.
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
