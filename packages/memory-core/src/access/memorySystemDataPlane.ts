/**
 * The data plane wired to the control plane: a DataPlane that follows a
 * MemorySystem's commits and takes host memory from a RamList.
 *
 * Adapter note: the MemorySystem does not (yet) allocate RAM blocks for its
 * RAM, ROM and ROM-device regions, so this adapter allocates one per region
 * in the RamList on first use (block name = region name, owner = the
 * region's owner path, regionId = the region id), and reuses a block already
 * allocated with that regionId.
 */
import type { MemorySystem } from '../topology/MemorySystem.js';
import type { RamList } from '../ram/ramList.js';
import type { RamBlock } from '../ram/ramBlock.js';
import type { AddressSpaceAccess } from './AddressSpaceAccess.js';
import type { DataPlaneOptions, RamBacking, RegionInfo, RegionSource } from './DataPlane.js';
import { DataPlane } from './DataPlane.js';

/** A RegionSource reading region state from a MemorySystem and host memory from a RamList. */
export class MemorySystemRegionSource implements RegionSource {
  private readonly blocks = new Map<string, RamBacking>();

  /** Resolves regions of `system`, RAM in `ramList`. */
  constructor(
    readonly system: MemorySystem,
    readonly ramList: RamList,
  ) {}

  /** {@inheritDoc RegionSource.region} */
  region(id: string): RegionInfo | undefined {
    try {
      return this.system.region(id);
    } catch {
      return undefined;
    }
  }

  /** {@inheritDoc RegionSource.ram} */
  ram(id: string): RamBacking | undefined {
    const known = this.blocks.get(id);
    if (known !== undefined) return known;
    const r = this.region(id);
    if (r === undefined) return undefined;
    const state = this.system.region(id);
    let block: RamBlock | undefined = this.ramList.blocks.find((b) => b.regionId === id);
    if (block === undefined) {
      block = this.ramList.alloc({ name: state.name, owner: state.owner, size: Number(state.size), regionId: id });
    }
    const backing: RamBacking = { bytes: block.host, ramAddr: block.offset };
    this.blocks.set(id, backing);
    return backing;
  }
}

/**
 * A DataPlane that keeps the dispatch of each address space it serves in step
 * with a MemorySystem: it publishes the current FlatView at once, then again
 * at every commit (from a memory listener's `commit`, as QEMU's tcg_commit
 * reloads the dispatch). Dirty marking goes to the RamList's dirty bitmaps.
 */
export class MemorySystemDataPlane {
  /** The data plane (register device ops and owners on it). */
  readonly plane: DataPlane;
  /** Where regions are resolved. */
  readonly source: MemorySystemRegionSource;
  private readonly spaces = new Map<string, { as: AddressSpaceAccess; unregister: () => void }>();

  /** Wires a data plane to `system` and `ramList`; options as for DataPlane (the dirty sink defaults to the RamList's bitmaps). */
  constructor(
    readonly system: MemorySystem,
    readonly ramList: RamList,
    options: DataPlaneOptions = {},
  ) {
    this.source = new MemorySystemRegionSource(system, ramList);
    this.plane = new DataPlane(this.source, { dirty: ramList.dirtyMemory, ...options });
  }

  /**
   * The data path of address space `name` (created in the MemorySystem
   * beforehand), kept in step with its commits. One object per name.
   */
  addressSpace(name: string): AddressSpaceAccess {
    const known = this.spaces.get(name);
    if (known !== undefined) return known.as;
    const as = this.plane.createAddressSpace(name);
    this.plane.publish(as, this.system.flatView(name));
    const unregister = this.system.registerListener(name, {
      name: `data-plane:${name}`,
      commit: () => this.plane.publish(as, this.system.flatView(name)),
    });
    this.spaces.set(name, { as, unregister });
    return as;
  }

  /**
   * An AddressSpaceFactory for cpuAddressSpaceInit: creates address space
   * `name` over `root` in the MemorySystem (if it does not exist) and returns its data path.
   */
  readonly factory = (name: string, root: string): AddressSpaceAccess => {
    if (!this.system.addressSpaceNames().includes(name)) this.system.createAddressSpace(name, root);
    return this.addressSpace(name);
  };

  /** Stops following the MemorySystem (unregisters the listeners). */
  dispose(): void {
    for (const { unregister } of this.spaces.values()) unregister();
    this.spaces.clear();
  }
}
