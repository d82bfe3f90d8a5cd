/**
 * The data plane of a {@link VirtBoard} in another thread: a vCPU worker runs the
 * hart and its devices over the main thread's RAM blocks and dirty bitmaps.
 */
import { DataPlane, DirtyMemory } from '@memvisor/memory-core';
import type { AddressSpaceAccess, RamBacking, RegionInfo } from '@memvisor/memory-core';
import type { CodePageBlock } from './codePages.js';
import { RamBlockLayoutError } from './errors.js';
import { MemoryCoreBus } from './memoryCoreBus.js';
import { mapVirtDevices } from './virtDevices.js';
import type { VirtBoardDevices, VirtBoardHandle, VirtBoardRegions, VirtBoardTopology, VirtMachineBoard } from './virtBoard.js';
import { VIRT_BOARD_MEMMAP } from './virtMemmap.js';

/**
 * The board as a vCPU thread sees it: no control plane (the MemorySystem, the
 * RamList and the owning DirtyMemory stay with the thread that built the
 * {@link VirtBoard}), only what the hart touches — a DataPlane over the same
 * RAM buffers, the dirty bitmaps attached from the owner's handle
 * (`DirtyMemory.attach`), the `memory` and `cpu-memory-0` data paths publishing
 * the FlatViews the owner sends ({@link applyTopology}, e.g. after global dirty
 * logging started), and the devices' ops, registered here because the devices
 * live beside the hart.
 *
 * Stores from this thread land in the shared RAM and set the shared bits
 * atomically; clears made by the owner reach this thread's vCPU through its
 * shared TLB and page cache (see `CodePageProtection`).
 */
export class AttachedVirtBoard implements VirtMachineBoard {
  /** The dirty bitmaps, attached. */
  readonly dirtyMemory: DirtyMemory;
  /** This thread's data plane. */
  readonly plane: DataPlane;
  /** The `memory` data path (loaders). */
  readonly memory: AddressSpaceAccess;
  /** The hart's data path (`cpu-memory-0`). */
  readonly cpuMemory: AddressSpaceAccess;
  /** The hart's bus. */
  readonly bus: MemoryCoreBus;
  /** The main RAM's block geometry. */
  readonly ramBlock: CodePageBlock;
  /** Region ids (the owner's). */
  readonly regions: VirtBoardRegions;
  private infos: Map<string, RegionInfo>;
  private readonly rams: Map<string, RamBacking>;

  /**
   * Attaches to the board behind `handle` and maps `devices`.
   * @throws RamBlockLayoutError when the handle has no memory for the main RAM region
   */
  constructor(handle: VirtBoardHandle, devices: VirtBoardDevices = {}) {
    this.regions = handle.regions;
    this.ramBlock = handle.ramBlock;
    this.dirtyMemory = DirtyMemory.attach(handle.dirty);
    this.infos = new Map(handle.topology.regions.map((r) => [r.id, r]));
    this.rams = new Map(
      handle.ram.map((r) => [r.id, { bytes: new Uint8Array(r.buffer, r.byteOffset, r.length), ramAddr: r.ramAddr }]),
    );
    const main = this.rams.get(handle.regions.ram);
    if (main === undefined) throw new RamBlockLayoutError(handle.ramBlock.idstr, 'the board handle carries no memory for it');
    this.plane = new DataPlane(
      { region: (id) => this.infos.get(id), ram: (id) => this.rams.get(id) },
      { dirty: this.dirtyMemory },
    );
    this.memory = this.plane.createAddressSpace('memory');
    this.cpuMemory = this.plane.createAddressSpace('cpu-memory-0');
    this.applyTopology(handle.topology);
    mapVirtDevices(this.plane, handle.regions, devices);
    this.bus = new MemoryCoreBus(this.cpuMemory, { host: main.bytes, usedLength: handle.ramBlock.usedLength }, VIRT_BOARD_MEMMAP.dram.base);
  }

  /**
   * Publishes the owner's topology after one of its commits (QEMU's tcg_commit in the
   * vCPU thread). A RAM region this thread was not given memory for makes the data
   * plane throw memory-core's UnresolvedRegionError, and nothing is published: RAM
   * added after the attach is not reachable from here.
   */
  applyTopology(topology: VirtBoardTopology): void {
    const infos = new Map(topology.regions.map((r) => [r.id, r]));
    const old = this.infos;
    this.infos = infos;
    try {
      this.plane.publish(this.memory, topology.memory);
      this.plane.publish(this.cpuMemory, topology.cpuMemory);
    } catch (e) {
      this.infos = old;
      throw e;
    }
  }

  /** QEMU's ROM loader: writes `bytes` at `addr` through `memory` (RAM and ROM, marked dirty). */
  writeRom(addr: number, bytes: Uint8Array): void {
    this.memory.writeRom(addr, bytes);
  }
}
