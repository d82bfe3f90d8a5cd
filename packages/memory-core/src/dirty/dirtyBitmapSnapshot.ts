/**
 * A copy of one client's dirty bits over a ram_addr range, taken and cleared
 * in one step by `DirtyMemory.snapshotAndClearDirty` (QEMU's
 * DirtyBitmapSnapshot). Display devices take one per frame and then ask it,
 * scanline by scanline, whether something changed.
 */
export class DirtyBitmapSnapshot {
  /**
   * @param start - ram_addr of the first byte covered; bit 0 of `dirty` is its page
   * @param end - ram_addr one past the last byte covered (page aligned)
   * @param targetPageSize - bytes per bit
   * @param dirty - the bits; only those of the requested range can be set
   */
  constructor(
    readonly start: number,
    readonly end: number,
    readonly targetPageSize: number,
    readonly dirty: Uint32Array,
  ) {}
}
