/**
 * QEMU's `virt` board as a memory-core topology: the region tree, the RAM
 * blocks, the address spaces and the device callbacks on the data plane.
 */
import {
  DIRTY_MEMORY_VGA,
  MemorySystem,
  MemorySystemDataPlane,
  RamList,
  RegionDirtyLog,
  printFlat,
  printTree,
} from '@memvisor/memory-core';
import type {
  AddressSpaceAccess,
  BigLock,
  DataPlane,
  DirtyMemory,
  DirtyMemoryHandle,
  FlatView,
  PrintTreeOptions,
  RamBlock,
  RegionInfo,
} from '@memvisor/memory-core';
import type { MmioDevice } from '../bus.js';
import type { CodePageBlock } from './codePages.js';
import { MemoryCoreBus } from './memoryCoreBus.js';
import { mapVirtDevices } from './virtDevices.js';
import { VIRT_BOARD_MEMMAP } from './virtMemmap.js';

/**
 * What a `VirtMachine` needs of its board: a {@link VirtBoard} on one thread, an
 * `AttachedVirtBoard` in a vCPU worker (the data plane over the main thread's board).
 */
export interface VirtMachineBoard {
  /** The hart's bus over `cpu-memory-0` and the RAM block. */
  readonly bus: MemoryCoreBus;
  /** The dirty bitmaps (owned, or attached from the owner's handle). */
  readonly dirtyMemory: DirtyMemory;
  /** The main RAM's block geometry. */
  readonly ramBlock: CodePageBlock;
  /** The data plane (code-invalidation hook, device ops). */
  readonly plane: DataPlane;
  /** QEMU's ROM loader: writes `bytes` at guest-physical `addr` through `memory`. */
  writeRom(addr: number, bytes: Uint8Array): void;
}

/** A RAM-backed region's memory as another thread attaches it. */
export interface VirtRamHandle {
  /** Region id. */
  readonly id: string;
  /** The block's buffer. */
  readonly buffer: SharedArrayBuffer;
  /** Where the region's offset 0 is in `buffer`. */
  readonly byteOffset: number;
  /** Bytes of the block (its maximum length). */
  readonly length: number;
  /** ram_addr of offset 0. */
  readonly ramAddr: number;
}

/** The data-plane topology of the board at one commit: plain, structured-cloneable data. */
export interface VirtBoardTopology {
  /** Every region of the board (id, name, kind, readonly flag). */
  readonly regions: readonly RegionInfo[];
  /** The FlatView of `memory`. */
  readonly memory: FlatView;
  /** The FlatView of `cpu-memory-0`. */
  readonly cpuMemory: FlatView;
}

/**
 * Everything another thread needs to run the board's data plane over the same memory
 * (see {@link VirtBoard.handle}): structured-cloneable, for `workerData`.
 */
export interface VirtBoardHandle {
  /** Region ids. */
  readonly regions: VirtBoardRegions;
  /** The topology now. */
  readonly topology: VirtBoardTopology;
  /** Memory of every RAM-backed region (RAM, mask ROM, framebuffer). */
  readonly ram: readonly VirtRamHandle[];
  /** The dirty bitmaps. */
  readonly dirty: DirtyMemoryHandle;
  /** The main RAM block's idstr, ram_addr and used length. */
  readonly ramBlock: CodePageBlock;
}

/** The devices whose registers the board maps; a device left out leaves its region unassigned (a decode error). */
export interface VirtBoardDevices {
  /** NS16550A UART, region `serial`. */
  readonly serial?: MmioDevice;
  /** SiFive test finisher, region `riscv.sifive.test`. */
  readonly test?: MmioDevice;
  /**
   * The CLINT register file (msip at +0, mtimecmp at +0x4000, mtime at
   * +0xbff8), mapped as QEMU's two ACLINT regions `riscv.aclint.swi` and
   * `riscv.aclint.mtimer`.
   */
  readonly clint?: MmioDevice;
}

/** Geometry of the framebuffer (32 bits per pixel, rows packed). */
export interface FramebufferGeometry {
  /** Pixels per row (default 320). */
  readonly width?: number;
  /** Rows (default 240). */
  readonly height?: number;
}

/** Options of {@link VirtBoard}. */
export interface VirtBoardOptions {
  /** Guest RAM in bytes, a multiple of 4096 (default 128 MiB, QEMU's default for virt). */
  readonly ramSize?: number;
  /** Memory for the RAM block (e.g. shared with another thread); at least `ramSize` bytes. */
  readonly ramBuffer?: SharedArrayBuffer;
  /**
   * The framebuffer's geometry, or false for none. Leave it out to migrate to
   * and from real QEMU: QEMU refuses a stream with a RAM block it does not know.
   */
  readonly framebuffer?: FramebufferGeometry | false;
  /** Device register files to map. */
  readonly devices?: VirtBoardDevices;
  /** Big lock shared with vCPUs in other threads (default none). */
  readonly bigLock?: BigLock | null;
}

/** Region ids of the board in its MemorySystem. */
export interface VirtBoardRegions {
  readonly system: string;
  readonly io: string;
  readonly mrom: string;
  readonly test: string;
  readonly aclintSwi: string;
  readonly aclintMtimer: string;
  readonly serial: string;
  readonly ram: string;
  /** Null when the board has no framebuffer. */
  readonly framebuffer: string | null;
}

/**
 * QEMU's `virt` machine for `qemu-system-riscv32 -M virt -bios none` as a
 * memory-core topology, with QEMU 7.2's region names, addresses, sizes and
 * nesting (see {@link VIRT_BOARD_MEMMAP}) for the devices memvisor implements:
 *
 * - `system` (the root container, 2^64 bytes) holding `riscv_virt_board.mrom`
 *   (ROM at 0x1000), `riscv.sifive.test`, `riscv.aclint.swi`,
 *   `riscv.aclint.mtimer`, `serial`, `riscv_virt_board.ram` (at 0x8000_0000)
 *   and memvisor's `memvisor.framebuffer` (RAM at 0x0800_0000 with VGA dirty
 *   logging on);
 * - the `io` container of the `I/O` address space, as QEMU creates it on
 *   every machine (nothing is mapped in it on RISC-V);
 * - address spaces `memory` and `I/O`, then `cpu-memory-0` (the hart's), in
 *   QEMU's creation order, so `info mtree -f` groups them the same way.
 *
 * RAM and ROM get their blocks through {@link RegionDirtyLog.allocRam} with no
 * owner, so the block idstrs are the region names, as QEMU's
 * `vmstate_register_ram_global` names them (`riscv_virt_board.ram`,
 * `riscv_virt_board.mrom`): a migration stream matches blocks by these names.
 * The RAM list is created with `tcg: true`, so the CODE dirty client exists
 * and RAM ranges carry the CODE bit (upstream 677e7805cf).
 *
 * The device regions are dispatched with `globalLocking: false` (QEMU's
 * memory_region_clear_global_locking, upstream 196ea13104): the UART, the
 * finisher and the CLINT live in the vCPU's own thread, beside the CPU whose
 * state they read and write (the CLINT's mtime is computed from the hart's
 * retired instructions, the finisher stops the hart's run loop), so no other
 * thread can reach them and taking a lock shared with other vCPU threads on
 * every UART byte or mtime read would only make the vCPU wait.
 */
export class VirtBoard {
  /** The control plane. */
  readonly system: MemorySystem;
  /** RAM blocks and their dirty bitmaps (VGA, CODE, MIGRATION). */
  readonly ramList: RamList;
  /** The dirty-logging protocol between regions, bitmaps and listeners. */
  readonly dirtyLog: RegionDirtyLog;
  /** The data plane following the MemorySystem's commits. */
  readonly data: MemorySystemDataPlane;
  /** Region ids. */
  readonly regions: VirtBoardRegions;
  /** The main RAM's block (`riscv_virt_board.ram`). */
  readonly ramBlock: RamBlock;
  /** The mask ROM's block (`riscv_virt_board.mrom`). */
  readonly mromBlock: RamBlock;
  /** The framebuffer's block, or null. */
  readonly framebufferBlock: RamBlock | null;
  /** Framebuffer width in pixels (0 when there is none); rows are `4 * width` bytes. */
  readonly framebufferWidth: number;
  /** Framebuffer height in pixels (0 when there is none). */
  readonly framebufferHeight: number;
  /** The `memory` address space's data path (QEMU's address_space_memory, used by DMA and loaders). */
  readonly memory: AddressSpaceAccess;
  /** The hart's address space's data path (`cpu-memory-0`). */
  readonly cpuMemory: AddressSpaceAccess;
  /** The CPU's bus over `cpu-memory-0` and the RAM block. */
  readonly bus: MemoryCoreBus;

  /**
   * Builds the topology, allocates the RAM blocks and maps the devices.
   * @throws RangeError for a RAM size that is not a positive multiple of 4096 or a bad framebuffer geometry;
   *   memory-core's RamAllocationError when `ramBuffer` is too small
   */
  constructor(opts: VirtBoardOptions = {}) {
    const M = VIRT_BOARD_MEMMAP;
    const ramSize = opts.ramSize ?? M.dram.size;
    if (!Number.isSafeInteger(ramSize) || ramSize <= 0 || ramSize % 4096 !== 0) {
      throw new RangeError(`RAM size ${ramSize} is not a positive multiple of 4096`);
    }
    const fb = opts.framebuffer === false ? null : (opts.framebuffer ?? {});
    const fbWidth = fb === null ? 0 : (fb.width ?? 320);
    const fbHeight = fb === null ? 0 : (fb.height ?? 240);
    const fbSize = Math.ceil((fbWidth * fbHeight * 4) / 4096) * 4096;
    if (fb !== null && (!Number.isInteger(fbWidth) || !Number.isInteger(fbHeight) || fbSize <= 0 || fbSize > 0x4000000)) {
      throw new RangeError(`framebuffer ${fbWidth}x${fbHeight} does not fit the 64 MiB hole at 0x8000000`);
    }
    this.framebufferWidth = fbWidth;
    this.framebufferHeight = fbHeight;

    const system = new MemorySystem({ tcg: true });
    this.system = system;
    this.ramList = new RamList({ tcg: true });
    this.dirtyLog = new RegionDirtyLog(system, this.ramList);

    const root = system.createContainer({ name: 'system', size: 1n << 64n });
    // QEMU's system_io: an i/o region with unassigned_io_ops, not a container.
    const io = system.createIo({ name: 'io', size: 0x10000n });
    const ram = system.createRam({ name: M.dram.name, size: BigInt(ramSize) });
    const mrom = system.createRom({ name: M.mrom.name, size: BigInt(M.mrom.size) });
    const test = system.createIo({ name: M.test.name, size: BigInt(M.test.size) });
    const swi = system.createIo({ name: M.aclintSwi.name, size: BigInt(M.aclintSwi.size) });
    const mtimer = system.createIo({ name: M.aclintMtimer.name, size: BigInt(M.aclintMtimer.size) });
    const serial = system.createIo({ name: M.uart0.name, size: BigInt(M.uart0.size) });
    const framebuffer = fb === null ? null : system.createRam({ name: M.framebuffer.name, size: BigInt(fbSize) });
    this.regions = { system: root, io, mrom, test, aclintSwi: swi, aclintMtimer: mtimer, serial, ram, framebuffer };

    // Main RAM first: it gets ram_addr 0, as the first block QEMU's virt allocates.
    this.ramBlock = this.dirtyLog.allocRam(ram, opts.ramBuffer !== undefined ? { host: opts.ramBuffer } : {});
    this.mromBlock = this.dirtyLog.allocRam(mrom);
    this.framebufferBlock = framebuffer === null ? null : this.dirtyLog.allocRam(framebuffer);

    system.transaction(() => {
      system.addSubregion(root, mrom, BigInt(M.mrom.base));
      system.addSubregion(root, test, BigInt(M.test.base));
      system.addSubregion(root, swi, BigInt(M.aclintSwi.base));
      system.addSubregion(root, mtimer, BigInt(M.aclintMtimer.base));
      system.addSubregion(root, serial, BigInt(M.uart0.base));
      system.addSubregion(root, ram, BigInt(M.dram.base));
      if (framebuffer !== null) {
        system.addSubregion(root, framebuffer, BigInt(M.framebuffer.base));
        system.setLog(framebuffer, true, DIRTY_MEMORY_VGA);
      }
    });
    system.createAddressSpace('memory', root);
    system.createAddressSpace('I/O', io);
    system.createAddressSpace('cpu-memory-0', root);

    this.data = new MemorySystemDataPlane(system, this.ramList, { bigLock: opts.bigLock ?? null });
    this.memory = this.data.addressSpace('memory');
    this.cpuMemory = this.data.addressSpace('cpu-memory-0');

    mapVirtDevices(this.data.plane, { serial, test, aclintSwi: swi, aclintMtimer: mtimer }, opts.devices ?? {});

    this.bus = new MemoryCoreBus(this.cpuMemory, this.ramBlock, M.dram.base);
  }

  /** The dirty bitmaps of the RAM list. */
  get dirtyMemory(): DirtyMemory {
    return this.ramList.dirtyMemory;
  }

  /** The data plane. */
  get plane(): DataPlane {
    return this.data.plane;
  }

  /** The data-plane topology now: region infos and the FlatViews of `memory` and `cpu-memory-0`. */
  topology(): VirtBoardTopology {
    const regions: RegionInfo[] = [];
    for (const id of Object.keys(this.system.state.regions)) {
      const r = this.system.region(id);
      regions.push({ id: r.id, name: r.name, kind: r.kind, readonly: r.readonly });
    }
    return { regions, memory: this.system.flatView('memory'), cpuMemory: this.system.flatView('cpu-memory-0') };
  }

  /**
   * Calls `send` with the new topology after every commit that changes the view of
   * `memory` or `cpu-memory-0` (from a memory listener's `commit`, as QEMU's
   * tcg_commit); returns the function that stops it.
   */
  followTopology(send: (topology: VirtBoardTopology) => void): () => void {
    let last = this.topology();
    const listener = {
      name: 'vcpu-thread-topology',
      // Registered on both address spaces, so it runs twice per transaction:
      // the FlatViews decide, and the region list is built only for a change.
      commit: (): void => {
        if (this.system.flatView('memory') === last.memory && this.system.flatView('cpu-memory-0') === last.cpuMemory) return;
        last = this.topology();
        send(last);
      },
    };
    const off = [this.system.registerListener('memory', listener), this.system.registerListener('cpu-memory-0', listener)];
    return () => {
      for (const f of off) f();
    };
  }

  /**
   * What a vCPU thread needs to attach to this board (`AttachedVirtBoard`): the
   * topology, the RAM blocks' shared memory and the dirty bitmaps' handle. Take it
   * after the last RAM block was added: the attached bitmaps cover the pages that
   * exist now.
   */
  handle(): VirtBoardHandle {
    const ram: VirtRamHandle[] = [];
    for (const b of this.ramList.blocks) {
      if (b.regionId === null) continue;
      ram.push({ id: b.regionId, buffer: b.buffer, byteOffset: b.hostOffset, length: b.maxLength, ramAddr: b.offset });
    }
    const rb = this.ramBlock;
    return {
      regions: this.regions,
      topology: this.topology(),
      ram,
      dirty: this.ramList.dirtyMemory.handle(),
      ramBlock: { idstr: rb.idstr, offset: rb.offset, usedLength: rb.usedLength },
    };
  }

  /** Guest-physical base of the framebuffer (0x0800_0000). */
  get framebufferBase(): number {
    return VIRT_BOARD_MEMMAP.framebuffer.base;
  }

  /**
   * Loads `bytes` at guest-physical `addr` the way QEMU's ROM loader does
   * (address_space_write_rom on `memory`): ROM and RAM alike are written and
   * marked dirty, MMIO is skipped.
   */
  writeRom(addr: number, bytes: Uint8Array): void {
    this.memory.writeRom(addr, bytes);
  }

  /** `info mtree` (`disabled`: `info mtree -D`) of the board, in QEMU 7.2's layout. */
  printTree(options: PrintTreeOptions = {}): string {
    return printTree(this.system.state, options);
  }

  /** `info mtree -f` of the board, in QEMU 7.2's layout. */
  printFlat(): string {
    return printFlat(this.system.state, (as) => this.system.flatView(as));
  }

  /** Stops following the MemorySystem (data plane listeners, the dirty-log clear hook). */
  dispose(): void {
    this.data.dispose();
    this.dirtyLog.dispose();
  }
}
