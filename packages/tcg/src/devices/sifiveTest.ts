import type { MemoryRegionOps } from '@memvisor/memory-core';
import type { RegionOpsDevice } from './regionOps.js';

/**
 * SiFive test finisher (QEMU `riscv.sifive.test`, hw/misc/sifive_test.c): a
 * write at offset 0 of 0x5555 ends the run with status 0, `(code << 16) |
 * 0x3333` with `code`, 0x7777 asks for a reset (reported as status 0:
 * memvisor has no reset yet); other writes are ignored and reads give 0.
 * The guest may use 2- and 4-byte accesses only (see
 * {@link SifiveTest.regionOps}), so a 2-byte store of 0x5555 also exits.
 */
export class SifiveTest implements RegionOpsDevice {
  readonly name = 'riscv.sifive.test';

  /** @param onExit - called with the exit status the guest asked for */
  constructor(private readonly onExit: (status: number) => void) {}

  read(_offset: number, _size: number): number {
    return 0;
  }

  write(offset: number, _size: number, value: number): void {
    if (offset !== 0) return;
    const kind = value & 0xffff;
    if (kind === 0x3333) this.onExit((value >>> 16) & 0xffff);
    else if (kind === 0x5555 || kind === 0x7777) this.onExit(0);
  }

  /**
   * QEMU's sifive_test_ops: native byte order, `valid` 2 to 4 bytes, aligned
   * (a byte access is a decode error), callbacks at the access size.
   */
  regionOps(base = 0): MemoryRegionOps {
    if (base !== 0) throw new RangeError(`riscv.sifive.test has one region, at 0 (not ${base})`);
    return {
      endianness: 'native',
      valid: { minAccessSize: 2, maxAccessSize: 4 },
      read: () => 0,
      write: (offset, value, size) => {
        this.write(offset, size, value);
      },
    };
  }
}
