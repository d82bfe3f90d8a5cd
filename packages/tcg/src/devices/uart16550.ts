import type { MmioDevice } from '../bus.js';

/**
 * NS16550A UART, transmit side: THR writes go to `onByte`; LSR always reports the
 * transmitter empty (THRE | TEMT). Other registers read back what was written. QEMU
 * name: `serial`.
 */
export class Uart16550 implements MmioDevice {
  readonly name = 'serial';
  private readonly regs = new Uint8Array(8);
  private dll = 0;
  private dlm = 0;

  /** @param onByte - receives every byte the guest transmits */
  constructor(private readonly onByte: (byte: number) => void) {}

  read(offset: number, _size: number): number {
    const dlab = (this.regs[3]! & 0x80) !== 0;
    switch (offset) {
      case 0:
        return dlab ? this.dll : 0;
      case 1:
        return dlab ? this.dlm : this.regs[1]!;
      case 2:
        return 0xc1; // FIFOs enabled, no interrupt pending
      case 5:
        return 0x60;
      case 6:
        return 0xb0;
      default:
        return offset < 8 ? this.regs[offset]! : 0;
    }
  }

  write(offset: number, _size: number, value: number): void {
    const dlab = (this.regs[3]! & 0x80) !== 0;
    value &= 0xff;
    if (offset === 0) {
      if (dlab) this.dll = value;
      else this.onByte(value);
    } else if (offset === 1 && dlab) {
      this.dlm = value;
    } else if (offset < 8) {
      this.regs[offset] = value;
    }
  }
}
