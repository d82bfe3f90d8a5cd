/**
 * Device callbacks (QEMU's MemoryRegionOps). MMIO callbacks are not events:
 * the data plane looks a device's ops up by its region id.
 */
import type { MemTxAttrs, MemTxResult } from './attrs.js';
import { InvalidOpsError } from './errors.js';

/** Byte order of a device's registers (QEMU's enum device_endian). `native` follows the target. */
export type DeviceEndianness = 'little' | 'big' | 'native';

/** Out-parameter of {@link MemoryRegionOps.readWithAttrs}: the value read. */
export interface MmioReadOut {
  value: number;
}

/** Access sizes the device allows or implements (QEMU's ops->valid / ops->impl). */
export interface AccessSizes {
  /** Smallest access in bytes; 0 means 1 (QEMU's default). */
  readonly minAccessSize?: number;
  /** Largest access in bytes; 0 means "any" for `valid` and 4 for `impl` (QEMU's defaults). */
  readonly maxAccessSize?: number;
  /** Misaligned accesses allowed (valid) / implemented (impl). */
  readonly unaligned?: boolean;
}

/**
 * What a device may accept, beyond the access sizes (QEMU's ops->valid).
 */
export interface ValidAccess extends AccessSizes {
  /**
   * Return false to refuse an access: it then gets MEMTX_DECODE_ERROR and a
   * read returns 0, as for an unassigned address (QEMU's valid.accepts).
   */
  readonly accepts?: (offset: number, size: number, isWrite: boolean, attrs: MemTxAttrs) => boolean;
}

/**
 * A device's register callbacks (QEMU's MemoryRegionOps).
 *
 * Values: accesses of 1, 2 and 4 bytes carry plain unsigned numbers. A device
 * whose `impl.maxAccessSize` is 8 must provide `read64`/`write64`, which carry
 * bigints; those are only called for 8-byte accesses, so the ≤4-byte path
 * never touches a bigint. Devices with `impl.maxAccessSize` ≤ 4 receive 8-byte
 * guest accesses split into pieces, as QEMU's access_with_adjusted_size does.
 *
 * `read` takes precedence over `readWithAttrs` and `write` over
 * `writeWithAttrs`, as in QEMU. Callbacks run under the big lock unless the
 * region was registered with `globalLocking: false`.
 */
export interface MemoryRegionOps {
  /** Reads `size` bytes (1, 2 or 4) at `offset` in the region; returns the value in the device's byte order. */
  readonly read?: (offset: number, size: number, attrs: MemTxAttrs) => number;
  /** Writes `size` bytes (1, 2 or 4). Returning a MemTxResult reports a device error; nothing means OK. */
  readonly write?: (offset: number, value: number, size: number, attrs: MemTxAttrs) => MemTxResult | void;
  /** A read that can fail (QEMU's read_with_attrs): stores the value in `out.value`, returns the result. */
  readonly readWithAttrs?: (offset: number, size: number, attrs: MemTxAttrs, out: MmioReadOut) => MemTxResult;
  /** A write that can fail (QEMU's write_with_attrs). */
  readonly writeWithAttrs?: (offset: number, value: number, size: number, attrs: MemTxAttrs) => MemTxResult;
  /** 8-byte read, required when impl.maxAccessSize is 8. */
  readonly read64?: (offset: number, attrs: MemTxAttrs) => bigint;
  /** 8-byte write, required when impl.maxAccessSize is 8. */
  readonly write64?: (offset: number, value: bigint, attrs: MemTxAttrs) => MemTxResult | void;
  /** Register byte order. */
  readonly endianness: DeviceEndianness;
  /** What the guest may do; violations are refused with MEMTX_DECODE_ERROR. */
  readonly valid?: ValidAccess;
  /** What the callbacks implement; other sizes are split or widened. */
  readonly impl?: AccessSizes;
}

const NO_READ_OUT: MmioReadOut = { value: 0 };

/**
 * The normalised, monomorphic form of a {@link MemoryRegionOps} the dispatcher
 * calls (one shape for every device, so call sites stay monomorphic).
 */
export class MmioOps {
  /** Device registers are big-endian (resolved against the target for `native`). */
  readonly bigEndian: boolean;
  /** valid.minAccessSize as given (0 when absent). */
  readonly validMin: number;
  /** valid.maxAccessSize as given (0 = any size). */
  readonly validMax: number;
  /** valid.unaligned. */
  readonly validUnaligned: boolean;
  /** impl.minAccessSize with QEMU's default 1 applied. */
  readonly implMin: number;
  /** impl.maxAccessSize with QEMU's default 4 applied. */
  readonly implMax: number;
  /** impl.unaligned. */
  readonly implUnaligned: boolean;
  /** The accepts hook, or null. */
  readonly accepts: ((offset: number, size: number, isWrite: boolean, attrs: MemTxAttrs) => boolean) | null;
  /** The user's ops, for the callbacks. */
  readonly ops: MemoryRegionOps;
  /** Scratch out-parameter for readWithAttrs (filled and read back at once, so reentrancy-safe). */
  readonly readOut: MmioReadOut;

  /** Normalises `ops` for region `regionId` on a target of the given byte order. */
  constructor(regionId: string, ops: MemoryRegionOps, targetBigEndian: boolean) {
    this.ops = ops;
    this.bigEndian = ops.endianness === 'big' || (ops.endianness === 'native' && targetBigEndian);
    this.validMin = ops.valid?.minAccessSize ?? 0;
    this.validMax = ops.valid?.maxAccessSize ?? 0;
    this.validUnaligned = ops.valid?.unaligned ?? false;
    this.implMin = ops.impl?.minAccessSize || 1;
    this.implMax = ops.impl?.maxAccessSize || 4;
    this.implUnaligned = ops.impl?.unaligned ?? false;
    this.accepts = ops.valid?.accepts ?? null;
    this.readOut = ops.readWithAttrs ? { value: 0 } : NO_READ_OUT;
    for (const s of [this.implMin, this.implMax]) {
      if (s !== 1 && s !== 2 && s !== 4 && s !== 8) {
        throw new InvalidOpsError(regionId, `impl access sizes must be 1, 2, 4 or 8 (got ${s})`);
      }
    }
    if (this.implMin > this.implMax) {
      throw new InvalidOpsError(regionId, `impl.minAccessSize ${this.implMin} > impl.maxAccessSize ${this.implMax}`);
    }
    if (this.implMax === 8 && (!ops.read64 || !ops.write64)) {
      throw new InvalidOpsError(regionId, 'impl.maxAccessSize is 8 but read64/write64 are missing');
    }
  }
}

/**
 * QEMU's unassigned_mem_ops: refuses everything, so reads give 0 and
 * MEMTX_DECODE_ERROR. Used for holes, reservations, io regions without ops,
 * and RAM regions reached through the MMIO path (an access crossing their end).
 */
export const UNASSIGNED_OPS: MmioOps = new MmioOps(
  '(unassigned)',
  { endianness: 'native', valid: { accepts: () => false } },
  false,
);
