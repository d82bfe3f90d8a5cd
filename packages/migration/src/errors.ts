/**
 * Typed errors of the migration package. Each is thrown before any state
 * changes, so the object that threw is exactly as it was when one is caught.
 */
import { MemvisorError } from '@memvisor/memory-core';

/** Base class of every migration error; `instanceof` it to catch them all. */
export abstract class MigrationError extends MemvisorError {}

/** An (offset, length) pair that is not inside the byte array it names. */
export class BufferRangeError extends MigrationError {
  readonly kind = 'buffer-range';
  /**
   * @param offset - first byte asked for
   * @param length - bytes asked for
   * @param available - bytes the array has
   */
  constructor(
    readonly offset: number,
    readonly length: number,
    readonly available: number,
  ) {
    super(
      `byte range [${offset}, +${length}) is not inside a buffer of ${available} bytes; ` +
        'offset and length must be non-negative integers with offset + length <= the buffer length',
    );
  }
}

/** A page index outside a RAM block's used pages (or not an integer). */
export class PageRangeError extends MigrationError {
  readonly kind = 'page-range';
  /**
   * @param block - the RAM block's id string
   * @param page - the target-page index asked for
   * @param pages - target pages the block has
   */
  constructor(
    readonly block: string,
    readonly page: number,
    readonly pages: number,
  ) {
    super(`page ${page} is outside RAM block "${block}", which has ${pages} target pages (0..${pages - 1})`);
  }
}

/**
 * Postcopy cannot start for a block: it was not set up for postcopy, or its
 * unsent map was dropped because the block was resized during precopy
 * (QEMU: "migration ram resized during precopy phase").
 */
export class PostcopyUnavailableError extends MigrationError {
  readonly kind = 'postcopy-unavailable';
  /**
   * @param block - the RAM block's id string
   * @param reason - why postcopy cannot start for it
   */
  constructor(
    readonly block: string,
    readonly reason: string,
  ) {
    super(`cannot switch RAM block "${block}" to postcopy: ${reason}`);
  }
}
