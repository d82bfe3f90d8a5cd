/**
 * A {@link GuestBus} over a memory-core address space: the CPU's RAM fast path
 * indexes the RAM block's host bytes directly, everything else goes through
 * the address space's data path (QEMU's io_readx / io_writex reaching
 * memory_region_dispatch_read / _write).
 */
import { MEMTX_OK } from '@memvisor/memory-core';
import type { AddressSpaceAccess } from '@memvisor/memory-core';
import type { GuestBus } from '../bus.js';

/** The part of a memory-core RamBlock the bus needs. */
export interface BusRamBlock {
  /** The block's bytes (a view on its SharedArrayBuffer). */
  readonly host: Uint8Array;
  /** Bytes in use. */
  readonly usedLength: number;
}

/**
 * The CPU's view of guest-physical memory on a memory-core board.
 *
 * `ram` is the RAM block's own memory, so translated code and the interpreter
 * load and store on the same typed array as the data path, migration and
 * every other thread sharing the block. `ioRead` / `ioWrite` are the CPU's
 * slow path for whatever is not that RAM block: MMIO, ROM, other RAM regions
 * (the framebuffer) and holes. A transaction that is not MEMTX_OK — a decode
 * error for a hole or an access the device's ops refuse, or a device error —
 * becomes NaN / false, which the CPU turns into an access fault as QEMU's
 * riscv_cpu_do_transaction_failed does.
 *
 * Stores through `ioWrite` to RAM-backed regions mark them dirty for their
 * dirty-log mask (VGA on the framebuffer) inside the data path.
 */
export class MemoryCoreBus implements GuestBus {
  readonly ram: Uint8Array;
  readonly ramBase: number;
  readonly ramSize: number;

  /**
   * @param as - the CPU's address space (QEMU's `cpu-memory-0`)
   * @param ramBlock - the block behind the main RAM region
   * @param ramBase - guest-physical address of the block's first byte (0x80000000 on virt)
   * @throws RangeError when the block's used length is not a positive multiple of 4096
   */
  constructor(
    readonly as: AddressSpaceAccess,
    ramBlock: BusRamBlock,
    ramBase: number,
  ) {
    const size = ramBlock.usedLength;
    if (size <= 0 || size % 4096 !== 0) {
      throw new RangeError(`RAM block of ${size} bytes is not a positive multiple of 4096`);
    }
    this.ram = ramBlock.host.subarray(0, size);
    this.ramBase = ramBase >>> 0;
    this.ramSize = size;
  }

  /** Loads 1, 2 or 4 bytes (little-endian) through the data path; NaN when the transaction fails. Hot path of MMIO. */
  ioRead(pa: number, size: number): number {
    const as = this.as;
    const v = size === 4 ? as.ldlLe(pa) : size === 2 ? as.lduwLe(pa) : as.ldub(pa);
    return as.result === MEMTX_OK ? v : NaN;
  }

  /** Stores the low 1, 2 or 4 bytes of `value` through the data path; false when the transaction fails. Hot path of MMIO. */
  ioWrite(pa: number, size: number, value: number): boolean {
    const as = this.as;
    if (size === 4) as.stlLe(pa, value >>> 0);
    else if (size === 2) as.stwLe(pa, value & 0xffff);
    else as.stb(pa, value & 0xff);
    return as.result === MEMTX_OK;
  }
}
