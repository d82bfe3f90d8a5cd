/**
 * Errors raised by the RAM block list. Each is thrown before the list or any
 * block is changed, so the state is as it was when one is caught.
 */
import { MemvisorError } from '../memvisorError.js';

/** A RAM block id string that is already registered (QEMU aborts with "already registered"). */
export class RamBlockExistsError extends MemvisorError {
  readonly kind = 'ram-block-exists';
  /** @param idstr - the id string (owner path + "/" + name) asked for twice */
  constructor(readonly idstr: string) {
    super(`RAM block "${idstr}" is already registered; give the region another name or owner`);
  }
}

/** Why a resize was refused. */
export type RamBlockResizeReason = 'not-resizeable' | 'too-large';

/** A resize of a block that is not resizeable, or beyond its maximum length. */
export class RamBlockResizeError extends MemvisorError {
  readonly kind = 'ram-block-resize';
  /**
   * @param idstr - the block's id string
   * @param reason - `not-resizeable` (size differs and the block is fixed) or `too-large`
   * @param newSize - the size asked for, after host-page alignment
   * @param usedLength - the block's current used length
   * @param maxLength - the block's maximum length
   */
  constructor(
    readonly idstr: string,
    readonly reason: RamBlockResizeReason,
    readonly newSize: number,
    readonly usedLength: number,
    readonly maxLength: number,
  ) {
    super(
      reason === 'not-resizeable'
        ? `RAM block "${idstr}" is not resizeable: length mismatch 0x${newSize.toString(16)} != 0x${usedLength.toString(16)}`
        : `RAM block "${idstr}": length 0x${newSize.toString(16)} is larger than its maximum 0x${maxLength.toString(16)}`,
    );
  }
}

/** A RAM block that cannot be created with the sizes given, or has no room in ram_addr space. */
export class RamAllocationError extends MemvisorError {
  readonly kind = 'ram-allocation';
  /**
   * @param idstr - the id string of the block being created
   * @param size - its used length in bytes
   * @param maxSize - its maximum length in bytes
   * @param detail - what is wrong, for a person
   */
  constructor(
    readonly idstr: string,
    readonly size: number,
    readonly maxSize: number,
    readonly detail: string,
  ) {
    super(`cannot allocate RAM block "${idstr}" (size 0x${size.toString(16)}, max 0x${maxSize.toString(16)}): ${detail}`);
  }
}

/** An operation on a RAM block that is not (or no longer) in the list. */
export class RamBlockNotFoundError extends MemvisorError {
  readonly kind = 'ram-block-not-found';
  /** @param idstr - the id string of the block */
  constructor(readonly idstr: string) {
    super(`RAM block "${idstr}" is not in this RAM list (already freed?)`);
  }
}

/** A page size that is not a power of two, or a host page smaller than allowed. */
export class PageSizeError extends MemvisorError {
  readonly kind = 'page-size';
  /**
   * @param what - which page size (`targetPageSize`, `realHostPageSize`, ...)
   * @param value - the value given
   */
  constructor(
    readonly what: string,
    readonly value: number,
  ) {
    super(`${what} = ${value} is not a valid page size: it must be a power of two from 1024 to 2^30`);
  }
}
