import type { MmioDevice } from '../bus.js';

/**
 * SiFive test finisher (QEMU `riscv.sifive.test`): writing 0x5555 ends the run with
 * status 0, `(code << 16) | 0x3333` with `code`, 0x7777 asks for a reset (reported as
 * status 0 too: memvisor has no reset yet).
 */
export class SifiveTest implements MmioDevice {
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
}
