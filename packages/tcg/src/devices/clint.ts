import { muldiv64Number } from '@memvisor/memory-core';
import type { MemoryRegionOps } from '@memvisor/memory-core';
import type { RegionOpsDevice } from './regionOps.js';

/** The virt board's timebase (QEMU's RISCV_ACLINT_DEFAULT_TIMEBASE_FREQ), in Hz. */
export const TIMEBASE_FREQ = 10_000_000;

/** Nanoseconds of the virtual clock per retired instruction (a nominal 100 MIPS). */
export const NS_PER_INSN = 10;

const NANOSECONDS_PER_SECOND = 1_000_000_000;

/** Guest instructions per mtime tick: 10 MHz timebase at a nominal 100 MIPS. */
export const INSNS_PER_TICK = NANOSECONDS_PER_SECOND / (TIMEBASE_FREQ * NS_PER_INSN);
const TWO_32 = 4294967296;

/** Where QEMU's `riscv.aclint.mtimer` region starts in the CLINT register file. */
const MTIMER_BASE = 0x4000;
/** mtime's offset in the mtimer region (QEMU's RISCV_ACLINT_DEFAULT_MTIME). */
const MTIME = 0x7ff8;

/** What the CLINT needs from the CPU it interrupts. */
export interface ClintCpu {
  /** Instructions retired, including those of the current block up to the access. */
  instretNow(): number;
  /** Called when msip or mtimecmp change, so pending interrupts are re-evaluated. */
  kick(): void;
}

/**
 * CLINT (QEMU's ACLINT `riscv.aclint.swi` + `riscv.aclint.mtimer` at 0x2000000): msip at
 * +0, mtimecmp at +0x4000, mtime at +0xbff8. mtime is virtual: the virtual clock
 * advances {@link NS_PER_INSN} ns per retired instruction and mtime is that clock in
 * {@link TIMEBASE_FREQ} ticks, converted as QEMU's cpu_riscv_read_rtc does
 * (`muldiv64(ns, timebase_freq, NANOSECONDS_PER_SECOND)`); runs are deterministic
 * and replay. A WFI waiting for the timer moves mtime forward to mtimecmp.
 *
 * mtime and mtimecmp are exact below 2^53 ticks (about 28 years at 10 MHz); a 64-bit
 * write of mtime above that is rounded.
 */
export class Clint implements RegionOpsDevice {
  readonly name = 'riscv.aclint.mtimer';
  msip = 0;
  cmpLo = 0;
  cmpHi = 0;
  /** mtime minus the virtual clock's ticks: moved by mtime writes and WFI skips (QEMU's time_delta). */
  skew = 0;
  cpu: ClintCpu | null = null;

  /** mtime without {@link Clint.skew}: the virtual clock in timebase ticks (cpu_riscv_read_rtc_raw). */
  rtcRaw(): number {
    const n = this.cpu ? this.cpu.instretNow() : 0;
    return muldiv64Number(n * NS_PER_INSN, TIMEBASE_FREQ, NANOSECONDS_PER_SECOND);
  }

  /** Current mtime (a double; exact below 2^53). */
  mtime(): number {
    return this.rtcRaw() + this.skew;
  }

  /** mtimecmp as a double. */
  mtimecmp(): number {
    return this.cmpHi * TWO_32 + this.cmpLo;
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

  /**
   * Reads `size` bytes at `offset` of the whole register file (swi at +0, mtimer at
   * +0x4000) with QEMU's register semantics for 4-byte accesses; 1 and 2 bytes (only a
   * bus without access rules makes them) give the bytes of the 32-bit register.
   */
  read(offset: number, size: number): number {
    const v = this.read32(offset & ~3);
    if (size >= 4) return v;
    const sh = (offset & 3) * 8;
    return (v >>> sh) & (size === 1 ? 0xff : 0xffff);
  }

  /** Writes with QEMU's semantics for 4-byte accesses; other sizes are ignored. */
  write(offset: number, size: number, value: number): void {
    if (size !== 4) return;
    if (offset < MTIMER_BASE) this.swiWrite(offset, value);
    else this.mtimerWrite32(offset - MTIMER_BASE, value >>> 0);
  }

  /**
   * QEMU's ops for the region at `base`: 0 is `riscv.aclint.swi`
   * (riscv_aclint_swi_ops: 4-byte accesses only), 0x4000 is `riscv.aclint.mtimer`
   * (riscv_aclint_mtimer_ops: 4 or 8 bytes, implemented at that size). Both
   * little-endian and aligned only.
   * @throws RangeError for another base
   */
  regionOps(base: number): MemoryRegionOps {
    if (base === 0) {
      return {
        endianness: 'little',
        valid: { minAccessSize: 4, maxAccessSize: 4 },
        read: (offset) => this.read32(offset),
        write: (offset, value) => {
          this.swiWrite(offset, value);
        },
      };
    }
    if (base === MTIMER_BASE) {
      return {
        endianness: 'little',
        valid: { minAccessSize: 4, maxAccessSize: 8 },
        impl: { minAccessSize: 4, maxAccessSize: 8 },
        read: (offset) => this.read32(MTIMER_BASE + offset),
        write: (offset, value) => {
          this.mtimerWrite32(offset, value >>> 0);
        },
        read64: (offset) => this.mtimerRead64(offset),
        write64: (offset, value) => {
          this.mtimerWrite64(offset, value);
        },
      };
    }
    throw new RangeError(`the CLINT has regions at 0 (swi) and 0x4000 (mtimer), not at 0x${base.toString(16)}`);
  }

  private read32(off: number): number {
    if (off < MTIMER_BASE) return off === 0 ? this.msip : 0;
    const o = off - MTIMER_BASE;
    if (o === 0) return this.cmpLo;
    if (o === 4) return this.cmpHi;
    if (o === MTIME || o === MTIME + 4) {
      const t = this.mtime();
      return o === MTIME ? t % TWO_32 >>> 0 : Math.floor(t / TWO_32) >>> 0;
    }
    return 0;
  }

  private mtimerRead64(o: number): bigint {
    if (o === 0) return (BigInt(this.cmpHi) << 32n) | BigInt(this.cmpLo);
    if (o === MTIME) return BigInt(this.mtime());
    return 0n;
  }

  private swiWrite(off: number, value: number): void {
    if (off !== 0) return;
    this.msip = value & 1;
    this.cpu?.kick();
  }

  private mtimerWrite32(o: number, value: number): void {
    if (o === 0) this.cmpLo = value;
    else if (o === 4) this.cmpHi = value;
    else if (o === MTIME || o === MTIME + 4) {
      // QEMU: time_delta = ((rtc & ~0xffffffff) | value) - rtc_raw, or the high half likewise.
      const t = this.mtime();
      let lo = t % TWO_32;
      let hi = Math.floor(t / TWO_32);
      if (o === MTIME) lo = value;
      else hi = value;
      this.skew = hi * TWO_32 + lo - this.rtcRaw();
    } else return;
    this.cpu?.kick();
  }

  private mtimerWrite64(o: number, value: bigint): void {
    if (o === 0) {
      this.cmpLo = Number(value & 0xffffffffn);
      this.cmpHi = Number((value >> 32n) & 0xffffffffn);
    } else if (o === MTIME) {
      this.skew = Number(value) - this.rtcRaw();
    } else return;
    this.cpu?.kick();
  }
}
