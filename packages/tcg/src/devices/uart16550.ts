import type { MemoryRegionOps } from '@memvisor/memory-core';
import type { RegionOpsDevice } from './regionOps.js';

const LSR_DR = 0x01;
const LSR_OE = 0x02;
const LSR_BI = 0x10;
const LSR_THRE_TEMT = 0x60;
const IER_THRI = 0x02;
const LCR_DLAB = 0x80;
const FCR_FE = 0x01;
const MCR_LOOP = 0x10;
const FIFO_LEN = 16;

/**
 * NS16550A UART as QEMU 7.2 models it (hw/char/serial.c behind serial-mm.c,
 * region `serial`, 8 bytes). Transmission is immediate: THR writes go to
 * `onByte` and the transmitter is always empty (LSR THRE | TEMT), so a guest
 * never waits. Register state follows QEMU: reset values (MCR OUT2, divisor
 * 12, MSR DCD | DSR | CTS), the FIFO-enable bits in IIR, the THR-empty
 * interrupt identification raised by a transmit or by IER.THRI turning on and
 * cleared by reading IIR or turning THRI off, IER masked to 4 bits, MCR to 5,
 * offsets taken modulo 8, overrun and break reported once by LSR, and
 * loopback (MCR bit 4) turning transmitted bytes into received ones. There is
 * no host input and no interrupt line (memvisor's virt has no PLIC).
 *
 * QEMU's serial_mm_ops: every access of 1 to 8 bytes that is aligned is one
 * call reaching one register, with the value's low byte (`valid.max` and
 * `impl.max` 8, `valid.unaligned` false; see {@link Uart16550.regionOps}).
 */
export class Uart16550 implements RegionOpsDevice {
  readonly name = 'serial';
  rbr = 0;
  ier = 0;
  lcr = 0;
  mcr = 0x08;
  lsr = LSR_THRE_TEMT;
  msr = 0xb0;
  scr = 0;
  fcr = 0;
  divider = 0x0c;
  /** QEMU's thr_ipending: THR empty is an interrupt cause (shown in IIR while IER.THRI is on) until IIR reports it. */
  thrIpending = false;
  private readonly rxFifo = new Uint8Array(FIFO_LEN);
  private rxHead = 0;
  private rxCount = 0;

  /** @param onByte - receives every byte the guest transmits */
  constructor(private readonly onByte: (byte: number) => void) {}

  /** IIR as the guest reads it: FIFO bits, then THRI or "no interrupt". */
  iir(): number {
    const id = (this.ier & IER_THRI) !== 0 && this.thrIpending ? 0x02 : 0x01;
    return ((this.fcr & FCR_FE) !== 0 ? 0xc0 : 0) | id;
  }

  /** Reads the register at `offset` (modulo 8); `size` does not matter, as in QEMU. */
  read(offset: number, _size: number): number {
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (offset & 7) {
      case 0:
        if (dlab) return this.divider & 0xff;
        return this.readRbr();
      case 1:
        return dlab ? (this.divider >>> 8) & 0xff : this.ier;
      case 2: {
        const v = this.iir();
        if ((v & 0x0f) === 0x02) this.thrIpending = false;
        return v;
      }
      case 3:
        return this.lcr;
      case 4:
        return this.mcr;
      case 5: {
        const v = this.lsr;
        this.lsr &= ~(LSR_OE | LSR_BI); // overrun and break are reported once
        return v;
      }
      case 6:
        if ((this.mcr & MCR_LOOP) !== 0) {
          const m = this.mcr;
          return ((m & 0x0c) << 4) | ((m & 0x02) << 3) | ((m & 0x01) << 5);
        }
        return this.msr;
      default:
        return this.scr;
    }
  }

  /** Writes the low byte of `value` to the register at `offset` (modulo 8). */
  write(offset: number, _size: number, value: number): void {
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    value &= 0xff;
    switch (offset & 7) {
      case 0:
        if (dlab) this.divider = (this.divider & 0xff00) | value;
        else this.transmit(value);
        return;
      case 1:
        if (dlab) this.divider = (this.divider & 0x00ff) | (value << 8);
        else {
          // THRI turned on re-arms the THR-empty cause (THRE is always set here); turned off, clears it.
          const changed = (this.ier ^ value) & IER_THRI;
          this.ier = value & 0x0f;
          if (changed !== 0) this.thrIpending = (value & IER_THRI) !== 0;
        }
        return;
      case 2:
        if ((value ^ this.fcr) & FCR_FE || (value & 0x02) !== 0) this.rxCount = 0;
        this.fcr = value & 0xc9;
        return;
      case 3:
        this.lcr = value;
        return;
      case 4:
        this.mcr = value & 0x1f;
        return;
      case 7:
        this.scr = value;
        return;
      default:
        // LSR and MSR ignore writes.
        return;
    }
  }

  /**
   * QEMU's serial_mm_ops for this device: native byte order, any aligned
   * access of 1 to 8 bytes handled in one call on one register (an 8-byte
   * access reads the register zero-extended and writes its low byte);
   * misaligned accesses are refused.
   */
  regionOps(base = 0): MemoryRegionOps {
    if (base !== 0) throw new RangeError(`serial has one region, at 0 (not ${base})`);
    return {
      endianness: 'native',
      valid: { maxAccessSize: 8 },
      impl: { maxAccessSize: 8 },
      read: (offset) => this.read(offset, 1),
      write: (offset, value) => {
        this.write(offset, 1, value);
      },
      read64: (offset) => BigInt(this.read(offset, 1)),
      write64: (offset, value) => {
        this.write(offset, 1, Number(value & 0xffn));
      },
    };
  }

  private transmit(byte: number): void {
    if ((this.mcr & MCR_LOOP) !== 0) this.receive(byte);
    else this.onByte(byte);
    // Sent at once: THR is empty again and is an interrupt cause.
    this.thrIpending = true;
  }

  private receive(byte: number): void {
    if ((this.fcr & FCR_FE) !== 0) {
      // A full FIFO keeps its bytes and drops the new one (QEMU's recv_fifo_put).
      if (this.rxCount < FIFO_LEN) {
        this.rxFifo[(this.rxHead + this.rxCount) % FIFO_LEN] = byte;
        this.rxCount++;
      } else this.lsr |= LSR_OE;
    } else {
      if ((this.lsr & LSR_DR) !== 0) this.lsr |= LSR_OE;
      this.rbr = byte;
    }
    this.lsr |= LSR_DR;
  }

  private readRbr(): number {
    let v: number;
    if ((this.fcr & FCR_FE) !== 0) {
      v = 0;
      if (this.rxCount > 0) {
        v = this.rxFifo[this.rxHead]!;
        this.rxHead = (this.rxHead + 1) % FIFO_LEN;
        this.rxCount--;
      }
      if (this.rxCount === 0) this.lsr &= ~(LSR_DR | LSR_BI);
    } else {
      v = this.rbr;
      this.lsr &= ~(LSR_DR | LSR_BI);
    }
    return v;
  }
}
