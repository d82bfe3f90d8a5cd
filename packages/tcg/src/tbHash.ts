import type { TranslationBlock } from './tb.js';

const PRIME32_1 = 0x9e3779b1 | 0;
const PRIME32_2 = 0x85ebca77 | 0;
const PRIME32_3 = 0xc2b2ae3d | 0;
const PRIME32_4 = 0x27d4eb2f | 0;
const PRIME32_5 = 0x165667b1 | 0;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/**
 * tb_hash_func: hashes a block's physical pc, virtual pc and flags with an xxh32-style
 * mix (QEMU's qemu_xxhash over the same fields, upstream 41da4bd642 / e1b89321ba), so
 * blocks that share a physical page under several virtual mappings or flag sets land
 * in different buckets. Returns an unsigned 32-bit value.
 */
export function tbHashFunc(physPc: number, pc: number, flags: number): number {
  let h = (PRIME32_5 + 12) | 0;
  h = Math.imul(rotl((h + Math.imul(physPc % 4294967296 | 0, PRIME32_3)) | 0, 17), PRIME32_4);
  h = Math.imul(rotl((h + Math.imul(pc | 0, PRIME32_3)) | 0, 17), PRIME32_4);
  h = Math.imul(rotl((h + Math.imul((flags | 0) ^ PRIME32_1, PRIME32_3)) | 0, 17), PRIME32_4);
  h ^= h >>> 15;
  h = Math.imul(h, PRIME32_2);
  h ^= h >>> 13;
  h = Math.imul(h, PRIME32_3);
  h ^= h >>> 16;
  return h >>> 0;
}

const TOMBSTONE = {} as TranslationBlock;

/**
 * The TB hash table (QEMU's tb_ctx.htable, a qht): open addressing keyed by
 * {@link tbHashFunc}, compared on (physPc, pc, flags), resized at half load.
 */
export class TbHashTable {
  private slots: (TranslationBlock | null)[];
  private mask: number;
  private used = 0;
  private live = 0;
  /** How many times the table grew or was rebuilt (statistics). */
  resizes = 0;

  /** @param bits - log2 of the initial number of slots */
  constructor(bits = 8) {
    this.slots = new Array<TranslationBlock | null>(1 << bits).fill(null);
    this.mask = (1 << bits) - 1;
  }

  /** Number of blocks in the table. */
  get size(): number {
    return this.live;
  }

  /** Number of slots (capacity). */
  get capacity(): number {
    return this.slots.length;
  }

  /** The block translated for this physical pc, virtual pc and flags, or null. */
  lookup(physPc: number, pc: number, flags: number): TranslationBlock | null {
    const slots = this.slots;
    let i = tbHashFunc(physPc, pc, flags) & this.mask;
    for (;;) {
      const tb = slots[i]!;
      if (tb === null) return null;
      if (tb !== TOMBSTONE && tb.physPc === physPc && tb.pc === pc && tb.flags === flags) return tb;
      i = (i + 1) & this.mask;
    }
  }

  /** Adds `tb`, replacing a block with the same key. */
  insert(tb: TranslationBlock): void {
    const old = this.lookup(tb.physPc, tb.pc, tb.flags);
    if (old !== null) this.remove(old);
    if ((this.used + 1) * 2 > this.slots.length) this.resize(this.live * 4 > this.slots.length ? this.slots.length * 2 : this.slots.length);
    const slots = this.slots;
    let i = tbHashFunc(tb.physPc, tb.pc, tb.flags) & this.mask;
    while (slots[i] !== null && slots[i] !== TOMBSTONE) i = (i + 1) & this.mask;
    if (slots[i] === null) this.used++;
    slots[i] = tb;
    this.live++;
  }

  /** Removes `tb` if present. */
  remove(tb: TranslationBlock): void {
    const slots = this.slots;
    let i = tbHashFunc(tb.physPc, tb.pc, tb.flags) & this.mask;
    for (;;) {
      const cur = slots[i]!;
      if (cur === null) return;
      if (cur === tb) {
        slots[i] = TOMBSTONE;
        this.live--;
        return;
      }
      i = (i + 1) & this.mask;
    }
  }

  /** Drops every block. */
  clear(): void {
    this.slots.fill(null);
    this.used = 0;
    this.live = 0;
  }

  /** Every block in the table. */
  *values(): IterableIterator<TranslationBlock> {
    for (const tb of this.slots) if (tb !== null && tb !== TOMBSTONE) yield tb;
  }

  /**
   * Makes room for about `expected` blocks without growing (tb_htable_init sized from
   * the expected number of blocks). Never shrinks below the current contents.
   */
  reserve(expected: number): void {
    let n = 256;
    while (n < expected * 2 || n < this.live * 4) n *= 2;
    if (n !== this.slots.length) {
      this.resize(n);
      this.resizes = 0;
    }
  }

  private resize(n: number): void {
    this.resizes++;
    const old = this.slots;
    this.slots = new Array<TranslationBlock | null>(n).fill(null);
    this.mask = n - 1;
    this.used = 0;
    this.live = 0;
    for (const tb of old) if (tb !== null && tb !== TOMBSTONE) this.insert(tb);
  }
}
