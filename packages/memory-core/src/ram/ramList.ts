import { DIRTY_MEMORY_NUM } from '../topology/types.js';
import { DIRTY_CLIENTS_ALL, DirtyMemory, type DirtyMemoryOptions } from '../dirty/dirtyMemory.js';
import type { PageSizes } from './pageSize.js';
import { RamBlock, type RamResizeCallback } from './ramBlock.js';
import {
  PageSizeError,
  RamAllocationError,
  RamBlockExistsError,
  RamBlockNotFoundError,
  RamBlockResizeError,
} from './errors.js';

/** Options for {@link RamList.alloc} (QEMU's qemu_ram_alloc, _resizeable and _from_ptr in one). */
export interface RamAllocOptions {
  /** Block name (for a region, the region's name). */
  readonly name: string;
  /** Owner path (QOM path of the device); the id string becomes `owner + "/" + name`. */
  readonly owner?: string | null;
  /** Used length in bytes; rounded up to the host page size. */
  readonly size: number;
  /** Maximum length for a resizeable block; rounded up to the host page size. Defaults to `size`. */
  readonly maxSize?: number;
  /** True for a block whose used length may change (qemu_ram_alloc_resizeable). */
  readonly resizeable?: boolean;
  /** Called after a resize. */
  readonly resized?: RamResizeCallback | null;
  /** Memory supplied by the caller (qemu_ram_alloc_from_ptr): the block is not resizeable. */
  readonly host?: SharedArrayBuffer;
  /** Byte offset of the block inside `host`. Default 0. */
  readonly hostOffset?: number;
  /** Page size of the backing memory. Defaults to the real host page size. */
  readonly pageSize?: number;
  /** Id of the memory region that owns the block. */
  readonly regionId?: string | null;
}

/** Where a host address falls: QEMU's qemu_ram_block_from_host result. */
export interface RamHostLookup {
  readonly block: RamBlock;
  /** Offset inside the block. */
  readonly offset: number;
  /** ram_addr of that byte: `block.offset + offset`. */
  readonly ramAddr: number;
}

/**
 * Blocks start on a 64-page boundary of ram_addr space, as QEMU aligns them
 * to a host `long` of the dirty bitmap so that syncing takes the word path.
 */
const RAM_BLOCK_ALIGN_PAGES = 64;

/** Exclusive upper bound of ram_addr space: offsets and sizes stay safe integers. */
const RAM_ADDR_LIMIT = Number.MAX_SAFE_INTEGER + 1;

/**
 * The list of RAM blocks (QEMU's ram_list) and the dirty bitmaps over their
 * ram_addr space. Blocks are placed by QEMU's gap-finding rule and kept
 * sorted from the largest to the smallest maximum length, so that a block
 * list walked by migration has QEMU's order.
 *
 * Every change publishes a new `blocks` array (the old one is left intact for
 * whoever is iterating it) and bumps `version`.
 */
export class RamList {
  /** The dirty bitmaps (ram_list.dirty_memory). */
  readonly dirtyMemory: DirtyMemory;
  /** Target, host and real host page sizes. */
  readonly pageSizes: PageSizes;
  private list: readonly RamBlock[] = Object.freeze([]);
  private readonly byName = new Map<string, RamBlock>();
  private readonly byRegion = new Map<string, RamBlock>();
  private mru: RamBlock | null = null;
  private ver = 0;

  /**
   * @param opts - page sizes, whether TCG is the accelerator (the CODE client)
   *   and the dirty bitmap block size
   * @throws PageSizeError on a bad page size
   */
  constructor(opts: DirtyMemoryOptions = {}) {
    this.dirtyMemory = new DirtyMemory(opts);
    this.pageSizes = this.dirtyMemory.pageSizes;
  }

  /** The blocks, largest maximum length first; a frozen array replaced on every change. */
  get blocks(): readonly RamBlock[] {
    return this.list;
  }

  /** Bumped on every add and free (ram_list.version). */
  get version(): number {
    return this.ver;
  }

  /**
   * Creates a block, places it in ram_addr space, grows the dirty bitmaps to
   * cover it and marks its used pages dirty for every client (ram_block_add).
   * @throws RamBlockExistsError when the id string is taken; RamAllocationError on
   *   bad sizes or no room; PageSizeError on a bad `pageSize`
   */
  alloc(opts: RamAllocOptions): RamBlock {
    const owner = opts.owner ?? null;
    const idstr = owner ? `${owner}/${opts.name}` : opts.name;
    if (this.byName.has(idstr)) throw new RamBlockExistsError(idstr);
    const resizeable = opts.resizeable ?? false;
    const size = this.pageSizes.hostPageAlign(opts.size);
    const maxSize = this.pageSizes.hostPageAlign(opts.maxSize ?? opts.size);
    const fail = (detail: string): never => {
      throw new RamAllocationError(idstr, opts.size, opts.maxSize ?? opts.size, detail);
    };
    if (!(opts.size > 0) || !Number.isSafeInteger(size)) fail('the size must be a positive safe integer');
    if (!(maxSize >= size) || !Number.isSafeInteger(maxSize)) fail('the maximum size must be at least the size');
    if (!resizeable && maxSize !== size) fail('only a resizeable block has a maximum size of its own');
    if (opts.host && resizeable) fail('a block on caller-supplied memory cannot be resizeable');
    if (opts.regionId != null && this.byRegion.has(opts.regionId)) fail(`region "${opts.regionId}" already has a RAM block`);
    const pageSize = opts.pageSize ?? this.pageSizes.realHostPageSize;
    if (!Number.isInteger(pageSize) || pageSize <= 0 || (pageSize & (pageSize - 1)) !== 0) {
      throw new PageSizeError('pageSize', pageSize);
    }
    const hostOffset = opts.hostOffset ?? 0;
    let buffer: SharedArrayBuffer;
    if (opts.host) {
      if (!(hostOffset >= 0) || hostOffset + maxSize > opts.host.byteLength) {
        fail(`the supplied buffer of ${opts.host.byteLength} bytes does not hold 0x${maxSize.toString(16)} bytes at ${hostOffset}`);
      }
      buffer = opts.host;
    } else {
      buffer = new SharedArrayBuffer(maxSize);
    }
    const offset = this.findRamOffset(maxSize);
    if (offset < 0) fail('no gap in ram_addr space is large enough');

    const block = new RamBlock({
      idstr,
      name: opts.name,
      owner,
      regionId: opts.regionId ?? null,
      usedLength: size,
      maxLength: maxSize,
      pageSize,
      buffer,
      hostOffset: opts.host ? hostOffset : 0,
      resizeable,
      preallocated: opts.host !== undefined,
      resized: opts.resized ?? null,
    });
    block.place(offset);

    const tps = this.pageSizes.targetPageSize;
    this.dirtyMemory.extend(Math.max(this.lastRamPage(), Math.ceil((offset + maxSize) / tps)));

    // Keep the list sorted from the largest to the smallest block; a block
    // goes after those of equal size, as in QEMU's ram_block_add.
    const next = this.list.slice();
    let at = next.length;
    for (let i = 0; i < next.length; i++) {
      if ((next[i] as RamBlock).maxLength < maxSize) {
        at = i;
        break;
      }
    }
    next.splice(at, 0, block);
    this.list = Object.freeze(next);
    this.byName.set(idstr, block);
    if (block.regionId !== null) this.byRegion.set(block.regionId, block);
    this.mru = null;
    this.ver++;

    this.dirtyMemory.setDirtyRange(offset, size, DIRTY_CLIENTS_ALL);
    return block;
  }

  /**
   * The block with this id string, or null (qemu_ram_block_by_name; upstream
   * e3dd74934f).
   */
  findByName(idstr: string): RamBlock | null {
    return this.byName.get(idstr) ?? null;
  }

  /** The block owned by the memory region with this id (QEMU's mr->ram_block), or null. */
  findByRegion(regionId: string): RamBlock | null {
    return this.byRegion.get(regionId) ?? null;
  }

  /**
   * The block whose ram_addr range [offset, offset + maxLength) holds `addr`,
   * or null (qemu_get_ram_block). Hot path: the last block found is tried first.
   */
  findByRamAddr(addr: number): RamBlock | null {
    const mru = this.mru;
    if (mru !== null && addr - mru.offset >= 0 && addr - mru.offset < mru.maxLength) return mru;
    const list = this.list;
    for (let i = 0; i < list.length; i++) {
      const b = list[i] as RamBlock;
      if (addr - b.offset >= 0 && addr - b.offset < b.maxLength) {
        this.mru = b;
        return b;
      }
    }
    return null;
  }

  /**
   * Maps a host address (a buffer and a byte offset in it) back to its block,
   * the offset in the block and the ram_addr (qemu_ram_block_from_host;
   * upstream 422148d3e5). With `roundOffset` the offset is rounded down to a
   * target page. Null when no block lives there.
   */
  fromHost(buffer: ArrayBufferLike, offset: number, roundOffset = false): RamHostLookup | null {
    let block: RamBlock | null = null;
    const mru = this.mru;
    if (mru !== null && mru.buffer === buffer && offset - mru.hostOffset >= 0 && offset - mru.hostOffset < mru.maxLength) {
      block = mru;
    } else {
      const list = this.list;
      for (let i = 0; i < list.length; i++) {
        const b = list[i] as RamBlock;
        if (b.buffer === buffer && offset - b.hostOffset >= 0 && offset - b.hostOffset < b.maxLength) {
          block = b;
          this.mru = b;
          break;
        }
      }
    }
    if (block === null) return null;
    let off = offset - block.hostOffset;
    if (roundOffset) off -= off % this.pageSizes.targetPageSize;
    return { block, offset: off, ramAddr: block.offset + off };
  }

  /**
   * Removes a block, whatever kind it is: allocated here or on caller-supplied
   * memory (qemu_ram_free, the one free path; upstream a29ac16632,
   * 794e8f301a). Its ram_addr range becomes free for later blocks. Readers
   * still holding the block keep valid memory; memory the caller supplied is
   * the caller's again.
   * @throws RamBlockNotFoundError when the block is not in this list
   */
  free(block: RamBlock): void {
    if (this.byName.get(block.idstr) !== block) throw new RamBlockNotFoundError(block.idstr);
    const next = this.list.filter((b) => b !== block);
    this.list = Object.freeze(next);
    this.byName.delete(block.idstr);
    if (block.regionId !== null) this.byRegion.delete(block.regionId);
    this.mru = null;
    this.ver++;
    block.markFreed();
  }

  /**
   * Changes the used length of a resizeable block (qemu_ram_resize; upstream
   * aaf0301917): the size is rounded up to the host page size; the old used
   * range is cleared for every client, the new one marked dirty for every
   * client (its contents are new to everyone), and then the block's resize
   * callback runs. The same size is a no-op.
   * @throws RamBlockResizeError when the block is not resizeable or the size exceeds
   *   its maximum; RamBlockNotFoundError when it was freed
   */
  resize(block: RamBlock, newSize: number): void {
    if (this.byName.get(block.idstr) !== block) throw new RamBlockNotFoundError(block.idstr);
    const size = this.pageSizes.hostPageAlign(newSize);
    if (size === block.usedLength) return;
    if (!block.resizeable) {
      throw new RamBlockResizeError(block.idstr, 'not-resizeable', size, block.usedLength, block.maxLength);
    }
    if (!(size > 0 && size <= block.maxLength)) {
      throw new RamBlockResizeError(block.idstr, 'too-large', size, block.usedLength, block.maxLength);
    }
    const dm = this.dirtyMemory;
    for (let c = 0; c < DIRTY_MEMORY_NUM; c++) {
      if ((dm.clientMask & (1 << c)) !== 0) dm.clearDirtyRange(block.offset, block.usedLength, c);
    }
    block.setUsedLength(size);
    dm.setDirtyRange(block.offset, size, DIRTY_CLIENTS_ALL);
    if (block.resized !== null) block.resized(block.idstr, size, block.host);
  }

  /** One past the last target page any block reserves (last_ram_page). */
  lastRamPage(): number {
    let last = 0;
    for (const b of this.list) last = Math.max(last, b.offset + b.maxLength);
    return Math.ceil(last / this.pageSizes.targetPageSize);
  }

  /**
   * QEMU's find_ram_offset: the smallest gap after some block that holds
   * `size` bytes, starting on a 64-page boundary; 0 for the first block; -1
   * when nothing fits below 2^53.
   */
  private findRamOffset(size: number): number {
    if (this.list.length === 0) return 0;
    const align = RAM_BLOCK_ALIGN_PAGES * this.pageSizes.targetPageSize;
    let offset = -1;
    let mingap = Infinity;
    for (const block of this.list) {
      const candidate = Math.ceil((block.offset + block.maxLength) / align) * align;
      let next = RAM_ADDR_LIMIT;
      for (const other of this.list) {
        if (other.offset >= candidate && other.offset < next) next = other.offset;
      }
      const gap = next - candidate;
      if (gap >= size && gap < mingap) {
        offset = candidate;
        mingap = gap;
      }
    }
    return offset;
  }
}
