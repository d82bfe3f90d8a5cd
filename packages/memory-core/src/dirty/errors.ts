/**
 * Errors raised by the dirty-memory API. Each is thrown before any bit is
 * touched, so the bitmaps are unchanged when one is caught.
 */
import { MemvisorError } from '../memvisorError.js';

/** A dirty-log client index that does not exist (out of range, or CODE without TCG). */
export class DirtyClientError extends MemvisorError {
  readonly kind = 'dirty-client';
  /**
   * @param client - the client index (or mask bit) that was asked for
   * @param available - mask of the clients this dirty memory has
   */
  constructor(
    readonly client: number,
    readonly available: number,
  ) {
    super(
      `dirty-log client ${client} does not exist here (available client mask 0x${available.toString(16)}); ` +
        'clients are VGA=0, CODE=1 (only when TCG is the accelerator), MIGRATION=2',
    );
  }
}

/** A ram_addr range that is not inside the RAM (or the block) it was checked against. */
export class DirtyRangeError extends MemvisorError {
  readonly kind = 'dirty-range';
  /**
   * @param start - first byte of the range asked for
   * @param length - its length in bytes
   * @param limitStart - first byte of the space it must lie in
   * @param limitLength - length of that space in bytes
   * @param what - what the space is (`"RAM"`, `"block pc.ram"`, `"snapshot"`...)
   */
  constructor(
    readonly start: number,
    readonly length: number,
    readonly limitStart: number,
    readonly limitLength: number,
    readonly what: string,
  ) {
    super(
      `range [0x${start.toString(16)}, +0x${length.toString(16)}) is outside ${what} ` +
        `[0x${limitStart.toString(16)}, +0x${limitLength.toString(16)}); pass a range inside it`,
    );
  }
}

/** A bitmap passed in that is too small for the pages it must hold. */
export class DirtyBitmapSizeError extends MemvisorError {
  readonly kind = 'dirty-bitmap-size';
  /**
   * @param neededBits - bits the operation needs
   * @param actualBits - bits the bitmap has
   */
  constructor(
    readonly neededBits: number,
    readonly actualBits: number,
  ) {
    super(`bitmap of ${actualBits} bits is too small: ${neededBits} bits are needed`);
  }
}

/** A region-level dirty operation on a region that has no RAM block. */
export class NoRamBlockError extends MemvisorError {
  readonly kind = 'no-ram-block';
  /**
   * @param regionId - the region asked for
   * @param detail - why it has none, for a person
   */
  constructor(
    readonly regionId: string,
    readonly detail: string,
  ) {
    super(`region "${regionId}" has no RAM block: ${detail}`);
  }
}

/** `extend` called on a DirtyMemory attached from a handle: only the owner grows the bitmaps. */
export class DirtyMemoryAttachedError extends MemvisorError {
  readonly kind = 'dirty-memory-attached';
  /** @param numPages - the pages the attached view covers */
  constructor(readonly numPages: number) {
    super(`this DirtyMemory is attached to another thread's bitmaps (${numPages} pages); extend the owner and attach again`);
  }
}
