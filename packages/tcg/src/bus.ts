/**
 * The narrow memory interface the CPU runs against. `VirtMachine` runs on
 * `MemoryCoreBus` (virt/memoryCoreBus.ts), over memory-core's data path;
 * {@link SimpleBus} is kept as the dependency-free implementation — one RAM block in a
 * SharedArrayBuffer plus a short list of MMIO devices — for running a `Cpu` without a
 * memory system (embedding the engine alone, CPU-only experiments). With it there are
 * no dirty bitmaps: the translator then keeps `Cpu.codePages` itself.
 */

/** A memory-mapped device: offsets are relative to the device's base. */
export interface MmioDevice {
  /** Region name, QEMU's where QEMU has the device (e.g. `serial`). */
  readonly name: string;
  /** Reads `size` (1, 2 or 4) bytes at `offset`; returns the value zero-extended. */
  read(offset: number, size: number): number;
  /** Writes the low `size` bytes of `value` at `offset`. */
  write(offset: number, size: number, value: number): void;
}

/**
 * Physical memory as the CPU sees it. RAM is exposed as a typed array so the softmmu
 * fast path can index it directly; everything else goes through {@link GuestBus.ioRead}
 * and {@link GuestBus.ioWrite}.
 */
export interface GuestBus {
  /** Guest RAM bytes (backed by a SharedArrayBuffer). */
  readonly ram: Uint8Array;
  /** Guest-physical address of `ram[0]`. */
  readonly ramBase: number;
  /** RAM size in bytes, a multiple of 4096. */
  readonly ramSize: number;
  /**
   * Reads `size` bytes at physical address `pa` outside RAM. Returns NaN when nothing is
   * mapped there (the CPU turns that into an access fault, as QEMU does on virt).
   */
  ioRead(pa: number, size: number): number;
  /** Writes outside RAM; returns false when nothing is mapped at `pa`. */
  ioWrite(pa: number, size: number, value: number): boolean;
}

/** A device mapped at a physical range of a {@link SimpleBus}. */
export interface BusMapping {
  readonly base: number;
  readonly size: number;
  readonly device: MmioDevice;
}

/** A {@link GuestBus} over one RAM block and a list of devices (no overlap checks). */
export class SimpleBus implements GuestBus {
  readonly ram: Uint8Array;
  readonly ramBase: number;
  readonly ramSize: number;
  private readonly maps: BusMapping[] = [];

  /**
   * @param ramBase - physical address of RAM (0x80000000 on virt)
   * @param ramSize - bytes, a multiple of 4096
   * @param buffer - optional SharedArrayBuffer to use as RAM (e.g. shared with a worker)
   */
  constructor(ramBase: number, ramSize: number, buffer?: SharedArrayBuffer) {
    if (ramSize <= 0 || ramSize % 4096 !== 0) {
      throw new RangeError(`RAM size ${ramSize} is not a positive multiple of 4096`);
    }
    this.ramBase = ramBase >>> 0;
    this.ramSize = ramSize;
    this.ram = new Uint8Array(buffer ?? new SharedArrayBuffer(ramSize), 0, ramSize);
  }

  /** Maps `device` at `[base, base + size)`. */
  map(base: number, size: number, device: MmioDevice): void {
    this.maps.push({ base: base >>> 0, size, device });
  }

  /** The mappings, in the order they were added. */
  mappings(): readonly BusMapping[] {
    return this.maps;
  }

  ioRead(pa: number, size: number): number {
    const maps = this.maps;
    for (let i = 0; i < maps.length; i++) {
      const m = maps[i]!;
      const off = (pa - m.base) >>> 0;
      if (off < m.size) return m.device.read(off, size) >>> 0;
    }
    return NaN;
  }

  ioWrite(pa: number, size: number, value: number): boolean {
    const maps = this.maps;
    for (let i = 0; i < maps.length; i++) {
      const m = maps[i]!;
      const off = (pa - m.base) >>> 0;
      if (off < m.size) {
        m.device.write(off, size, value);
        return true;
      }
    }
    return false;
  }
}
