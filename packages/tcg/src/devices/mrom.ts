import type { MmioDevice } from '../bus.js';

/** Where QEMU 7.2's virt places the device tree: the end of RAM below 3 GiB, 2 MiB aligned. */
export function fdtAddress(ramBase: number, ramSize: number, fdtSize = 0x100000): number {
  const end = Math.min(ramBase + ramSize, 3 * 1024 * 1024 * 1024);
  return Math.floor((end - fdtSize) / 0x200000) * 0x200000;
}

/**
 * The virt machine's mask ROM at 0x1000 (`riscv_virt_board.mrom`) holding QEMU's reset
 * vector (hw/riscv/boot.c, riscv_setup_rom_reset_vec, 32-bit form):
 *
 *     auipc t0, 0; addi a2, t0, 40; csrr a0, mhartid; lw a1, 32(t0); lw t0, 24(t0); jr t0
 *
 * followed by the entry address, the fdt address and a fw_dynamic_info block. memvisor
 * builds no device tree, so a1 points at zeroed RAM.
 */
export class Mrom implements MmioDevice {
  readonly name = 'riscv_virt_board.mrom';
  readonly bytes: Uint8Array;

  constructor(entry: number, fdtAddr: number, size = 0xf000) {
    this.bytes = new Uint8Array(size);
    const words = [
      0x00000297, 0x02828613, 0xf1402573, 0x0202a583, 0x0182a283, 0x00028067,
      entry >>> 0, 0, fdtAddr >>> 0, 0,
      // fw_dynamic_info: magic "OSBI", version 2, next_addr, next_mode S, options, boot_hart
      0x4942534f, 2, entry >>> 0, 1, 0, 0,
    ];
    const dv = new DataView(this.bytes.buffer);
    words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  }

  read(offset: number, size: number): number {
    const b = this.bytes;
    if (offset + size > b.length) return 0;
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = (v << 8) | b[offset + i]!;
    return v >>> 0;
  }

  write(_offset: number, _size: number, _value: number): void {
    // ROM: writes are ignored, as QEMU does for a ROM region without romd.
  }
}
