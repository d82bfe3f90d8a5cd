import type { MmioDevice } from '../bus.js';

/** Guest instructions per mtime tick: 10 MHz timebase at a nominal 100 MIPS. */
export const INSNS_PER_TICK = 10;

/** What the CLINT needs from the CPU it interrupts. */
export interface ClintCpu {
  /** Instructions retired, including those of the current block up to the access. */
  instretNow(): number;
  /** Called when msip or mtimecmp change, so pending interrupts are re-evaluated. */
  kick(): void;
}

/**
 * CLINT (QEMU's ACLINT `riscv.aclint.swi` + `riscv.aclint.mtimer` at 0x2000000): msip at
 * +0, mtimecmp at +0x4000, mtime at +0xbff8. mtime is virtual: it advances with retired
 * instructions (deterministic, so runs replay) and jumps forward when the hart waits in
 * WFI for the timer.
 */
export class Clint implements MmioDevice {
  readonly name = 'riscv.aclint.mtimer';
  msip = 0;
  cmpLo = 0;
  cmpHi = 0;
  /** mtime minus instret/INSNS_PER_TICK: moved by mtime writes and WFI skips. */
  skew = 0;
  cpu: ClintCpu | null = null;

  /** Current mtime (a double; exact below 2^53). */
  mtime(): number {
    const n = this.cpu ? this.cpu.instretNow() : 0;
    return Math.floor(n / INSNS_PER_TICK) + this.skew;
  }

  /** mtimecmp as a double. */
  mtimecmp(): number {
    return this.cmpHi * 4294967296 + this.cmpLo;
  }

  /** True when the timer interrupt is pending (mtime >= mtimecmp). */
  mtip(): boolean {
    return this.mtime() >= this.mtimecmp();
  }

  /** The instret at which mtip becomes true (Infinity if never). */
  deadline(): number {
    const cmp = this.mtimecmp();
    if (cmp >= 2 ** 53) return Infinity;
    return (cmp - this.skew) * INSNS_PER_TICK;
  }

  /** Moves mtime forward to mtimecmp (WFI with nothing else to do). */
  skipToDeadline(): boolean {
    const cmp = this.mtimecmp();
    if (cmp >= 2 ** 53) return false;
    const now = this.mtime();
    if (cmp > now) this.skew += cmp - now;
    return true;
  }

  read(offset: number, size: number): number {
    const v = this.read32(offset & ~3);
    if (size === 4) return v;
    const sh = (offset & 3) * 8;
    return (v >>> sh) & (size === 1 ? 0xff : 0xffff);
  }

  private read32(off: number): number {
    if (off === 0) return this.msip;
    if (off === 0x4000) return this.cmpLo;
    if (off === 0x4004) return this.cmpHi;
    if (off === 0xbff8 || off === 0xbffc) {
      const t = this.mtime();
      return off === 0xbff8 ? t % 4294967296 >>> 0 : Math.floor(t / 4294967296) >>> 0;
    }
    return 0;
  }

  write(offset: number, size: number, value: number): void {
    if (size !== 4) return;
    value >>>= 0;
    if (offset === 0) this.msip = value & 1;
    else if (offset === 0x4000) this.cmpLo = value;
    else if (offset === 0x4004) this.cmpHi = value;
    else if (offset === 0xbff8 || offset === 0xbffc) {
      const t = this.mtime();
      let lo = t % 4294967296;
      let hi = Math.floor(t / 4294967296);
      if (offset === 0xbff8) lo = value;
      else hi = value;
      this.skew += hi * 4294967296 + lo - t;
    } else return;
    this.cpu?.kick();
  }
}
