/**
 * Owners of memory regions and their reference counts (QOM's object_ref /
 * object_unref as memory_region_ref / _unref use them).
 */
import { RefcountUnderflowError } from './errors.js';

/**
 * The object a region belongs to (a device, a DIMM). While a region is in use
 * by a mapping or a cache, its owner holds a reference, so that unplugging the
 * device does not free memory under a DMA in flight. Regions without an owner
 * (board RAM that cannot be unplugged) are never reference-counted: upstream
 * 612263cf33 skips the count for them because it costs DMA dearly.
 */
export class Owner {
  /** Current count; a new owner starts with the creator's reference (1), as a QOM object does. */
  refCount = 1;
  /** Number of times the count reached zero (the object would have been finalised). */
  finalized = 0;

  /** Creates an owner called `name` (for messages). */
  constructor(readonly name: string) {}

  /** Takes a reference (QEMU's object_ref). */
  ref(): void {
    this.refCount++;
  }

  /**
   * Drops a reference (QEMU's object_unref). Throws RefcountUnderflowError
   * instead of going below zero (upstream cc9f60d4a2: a double release must
   * fail at once, not wrap and bite later).
   */
  unref(): void {
    if (this.refCount <= 0) throw new RefcountUnderflowError(this.name);
    this.refCount--;
    if (this.refCount === 0) this.finalized++;
  }
}
