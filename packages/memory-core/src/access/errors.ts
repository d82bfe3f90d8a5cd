/**
 * The errors the data path throws. Guest-visible failures are never thrown:
 * they are MemTxResult values. These are programming errors of the embedder.
 */
import { MemvisorError } from '../memvisorError.js';

/** An owner's reference count would go below zero (upstream cc9f60d4a2: fail loudly, never wrap). */
export class RefcountUnderflowError extends MemvisorError {
  readonly kind = 'refcount-underflow';
  constructor(
    /** The owner's name. */
    readonly owner: string,
  ) {
    super(`unref of '${owner}' with a reference count of 0: a region was released more often than it was taken`);
  }
}

/** A device's MemoryRegionOps are inconsistent (for instance 8-byte impl accesses without read64/write64). */
export class InvalidOpsError extends MemvisorError {
  readonly kind = 'invalid-ops';
  constructor(
    /** The region the ops were registered for. */
    readonly regionId: string,
    /** What is wrong with them. */
    readonly reason: string,
  ) {
    super(`invalid MemoryRegionOps for region '${regionId}': ${reason}`);
  }
}

/** A FlatView names a region the data plane cannot resolve (no state, or RAM without host memory). */
export class UnresolvedRegionError extends MemvisorError {
  readonly kind = 'unresolved-region';
  constructor(
    /** The region id found in the FlatView. */
    readonly regionId: string,
    /** What was missing. */
    readonly reason: string,
  ) {
    super(`cannot publish a dispatch for region '${regionId}': ${reason}`);
  }
}

/** The big lock could not be taken in the time given. */
export class BigLockTimeoutError extends MemvisorError {
  readonly kind = 'big-lock-timeout';
  constructor(
    /** How long the caller waited, in milliseconds. */
    readonly timeoutMs: number,
  ) {
    super(`the big lock was not released within ${timeoutMs} ms (a thread holds it, or it was never released)`);
  }
}

/** An unmap was given a mapping that is not live (already unmapped, or from another data plane). */
export class StaleMappingError extends MemvisorError {
  readonly kind = 'stale-mapping';
  constructor(
    /** The guest address the mapping started at. */
    readonly addr: number,
  ) {
    super(`unmap of a mapping at 0x${addr.toString(16)} that is not live: unmapped twice?`);
  }
}

/** A cached access fell outside the range given to MemoryRegionCache.init, or used a destroyed cache. */
export class CacheRangeError extends MemvisorError {
  readonly kind = 'cache-range';
  constructor(
    /** Offset of the access within the cache. */
    readonly offset: number,
    /** Length of the access. */
    readonly length: number,
    /** Length the cache covers. */
    readonly cacheLength: number,
  ) {
    super(`cached access at +${offset} length ${length} is outside the cache (length ${cacheLength})`);
  }
}

/** cpuAddressSpaceInit was called with an index the CPU does not have, or a second address space under KVM. */
export class CpuAddressSpaceError extends MemvisorError {
  readonly kind = 'cpu-address-space';
  constructor(
    /** The CPU's index. */
    readonly cpuIndex: number,
    /** The address-space index asked for. */
    readonly asidx: number,
    /** Why it was refused. */
    readonly reason: string,
  ) {
    super(`CPU ${cpuIndex}, address space ${asidx}: ${reason}`);
  }
}
