/**
 * Called after a resizeable block changed its used length, with the block's
 * id string, the new used length and the block's host memory (QEMU's
 * RAMBlock->resized). The place to resize what mirrors the block: its
 * memory region, a migration bitmap, a device's idea of its ROM size.
 */
export type RamResizeCallback = (idstr: string, newSize: number, host: Uint8Array) => void;

/** What a {@link RamBlock} is made of; filled in by `RamList.alloc`. */
export interface RamBlockInit {
  readonly idstr: string;
  readonly name: string;
  readonly owner: string | null;
  readonly regionId: string | null;
  readonly usedLength: number;
  readonly maxLength: number;
  readonly pageSize: number;
  readonly buffer: SharedArrayBuffer;
  readonly hostOffset: number;
  readonly resizeable: boolean;
  readonly preallocated: boolean;
  readonly resized: RamResizeCallback | null;
}

/**
 * One block of guest RAM (QEMU's RAMBlock): `maxLength` bytes of host
 * memory in a `SharedArrayBuffer`, placed at `offset` in ram_addr space, of
 * which the first `usedLength` bytes are in use. Created, resized and freed
 * by its `RamList`; the fields the list changes (`offset` once at creation,
 * `usedLength` on resize) are read-only to everyone else.
 */
export class RamBlock {
  /** Unique id string: owner path + "/" + name, or just the name (QEMU's idstr; what migration sends). */
  readonly idstr: string;
  /** The name the block was created with. */
  readonly name: string;
  /** The owner path, or null. */
  readonly owner: string | null;
  /** Id of the memory region that owns this block, when a topology created it. */
  readonly regionId: string | null;
  /** Bytes reserved in ram_addr space and in `host`. */
  readonly maxLength: number;
  /** Page size of the backing memory (QEMU's RAMBlock->page_size). */
  readonly pageSize: number;
  /** The buffer holding the block, shared with worker threads. */
  readonly buffer: SharedArrayBuffer;
  /** Byte offset of the block inside `buffer` (non-zero only for preallocated blocks). */
  readonly hostOffset: number;
  /** The block's bytes: `maxLength` bytes of `buffer` from `hostOffset`. */
  readonly host: Uint8Array;
  /** True when `usedLength` may change (RAM_RESIZEABLE). */
  readonly resizeable: boolean;
  /** True when the caller supplied the memory (RAM_PREALLOC). */
  readonly preallocated: boolean;
  /** The resize callback, or null. */
  readonly resized: RamResizeCallback | null;
  private ramOffset = -1;
  private used: number;
  private freed = false;

  /** Use `RamList.alloc`; this constructor does not place the block. */
  constructor(init: RamBlockInit) {
    this.idstr = init.idstr;
    this.name = init.name;
    this.owner = init.owner;
    this.regionId = init.regionId;
    this.maxLength = init.maxLength;
    this.pageSize = init.pageSize;
    this.buffer = init.buffer;
    this.hostOffset = init.hostOffset;
    this.host = new Uint8Array(init.buffer, init.hostOffset, init.maxLength);
    this.resizeable = init.resizeable;
    this.preallocated = init.preallocated;
    this.resized = init.resized;
    this.used = init.usedLength;
  }

  /** ram_addr of the block's first byte (-1 before it is placed). */
  get offset(): number {
    return this.ramOffset;
  }

  /** Bytes in use, a multiple of the host page size, at most `maxLength`. */
  get usedLength(): number {
    return this.used;
  }

  /** True once the block has been freed from its list. */
  get isFreed(): boolean {
    return this.freed;
  }

  /** @internal Set by RamList when the block is placed. */
  place(offset: number): void {
    this.ramOffset = offset;
  }

  /** @internal Set by RamList.resize. */
  setUsedLength(n: number): void {
    this.used = n;
  }

  /** @internal Set by RamList.free. */
  markFreed(): void {
    this.freed = true;
  }
}
