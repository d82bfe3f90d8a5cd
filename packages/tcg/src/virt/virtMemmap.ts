/**
 * The physical memory map of the virt board as memory-core regions: QEMU 7.2's
 * `qemu-system-riscv32 -M virt` names, addresses and sizes (hw/riscv/virt.c
 * `virt_memmap`, checked against `info mtree` in
 * tools/qemu-fixtures/7.2/riscv32-virt), for the devices memvisor implements,
 * plus memvisor's framebuffer.
 */

/** One region of the board: its QEMU name, guest-physical base and size in bytes. */
export interface VirtRegionMap {
  /** Region name, QEMU's where QEMU has the device (also the RAM block idstr for RAM and ROM). */
  readonly name: string;
  /** Guest-physical base address. */
  readonly base: number;
  /** Size in bytes. */
  readonly size: number;
}

/**
 * The fixed regions of the board. RAM's size is a machine option (QEMU's
 * `-m`, 128 MiB by default) and the framebuffer's follows its geometry, so
 * their `size` here is the default.
 *
 * The framebuffer is memvisor's own device: QEMU's virt has none. It sits at
 * 0x0800_0000, in the hole between the platform bus (0x0400_0000-0x05ff_ffff)
 * and the PLIC / APLIC (0x0c00_0000, 0x0d00_0000), which no QEMU virt
 * configuration maps. On real QEMU a guest store there is an access fault,
 * so guests that use it cannot be compared with QEMU.
 */
export const VIRT_BOARD_MEMMAP = {
  mrom: { name: 'riscv_virt_board.mrom', base: 0x1000, size: 0xf000 },
  test: { name: 'riscv.sifive.test', base: 0x100000, size: 0x1000 },
  aclintSwi: { name: 'riscv.aclint.swi', base: 0x2000000, size: 0x4000 },
  aclintMtimer: { name: 'riscv.aclint.mtimer', base: 0x2004000, size: 0x8000 },
  framebuffer: { name: 'memvisor.framebuffer', base: 0x8000000, size: 320 * 240 * 4 },
  uart0: { name: 'serial', base: 0x10000000, size: 8 },
  dram: { name: 'riscv_virt_board.ram', base: 0x80000000, size: 128 * 1024 * 1024 },
} as const satisfies Record<string, VirtRegionMap>;

/**
 * Offset of `riscv.aclint.mtimer` inside memvisor's one-piece `Clint`
 * register file (mtimecmp at +0x4000, mtime at +0xbff8): QEMU splits the
 * CLINT into the `swi` region at +0 and the `mtimer` region at +0x4000.
 */
export const ACLINT_MTIMER_CLINT_OFFSET = VIRT_BOARD_MEMMAP.aclintMtimer.base - VIRT_BOARD_MEMMAP.aclintSwi.base;
