/**
 * Typed errors of the accelerator listeners. Each is thrown before any state
 * changes (no byte written, no bit set), so the object that threw is exactly
 * as it was when one is caught.
 */
import { MemvisorError } from '@memvisor/memory-core';

/** Base class of every accel error; `instanceof` it to catch them all. */
export abstract class AccelError extends MemvisorError {}

/**
 * A device DMA that the container's mappings do not allow: part of the range
 * is not mapped RAM, or it is mapped read-only and the DMA writes (an IOMMU
 * fault on real hardware).
 */
export class DmaFaultError extends AccelError {
  readonly kind = 'dma-fault';
  /**
   * @param tracker - the container's name
   * @param iova - first address of the DMA in the container's address space
   * @param length - bytes
   * @param reason - what is wrong with the range
   */
  constructor(
    readonly tracker: string,
    readonly iova: bigint,
    readonly length: number,
    readonly reason: string,
  ) {
    super(`DMA of ${length} bytes at iova 0x${iova.toString(16)} through container "${tracker}" faults: ${reason}`);
  }
}

/** A container listener registered on a second address space (a VFIO container serves one). */
export class TrackerRegistrationError extends AccelError {
  readonly kind = 'tracker-registration';
  /**
   * @param tracker - the container's name
   * @param current - the address space it is registered on
   * @param requested - the one asked for
   */
  constructor(
    readonly tracker: string,
    readonly current: string,
    readonly requested: string,
  ) {
    super(
      `container "${tracker}" is already registered on address space "${current}"; ` +
        `unregister it before registering it on "${requested}"`,
    );
  }
}
