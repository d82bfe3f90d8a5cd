/**
 * The data plane wired to the control plane: a DataPlane that follows a
 * MemorySystem's commits and takes host memory from a RamList.
 *
 * RAM: a region's block is the one the RamList holds for its id
 * (`RamList.findByRegion`, allocated with `RegionDirtyLog.allocRam`). Adapter
 * note: the MemorySystem itself allocates no blocks, so a RAM-backed region
 * that has none when a FlatView is published gets one here, named as
 * allocRam names it (owner path + "/" + region name), not resizeable.
 */
import type { MemorySystem } from '../topology/MemorySystem.js';
import type { RamList } from '../ram/ramList.js';
import type { RamBlock } from '../ram/ramBlock.js';
import type { MemoryListener } from '../listener/MemoryListener.js';
import type { AddressSpaceAccess } from './AddressSpaceAccess.js';
import type { DataPlaneOptions, RamBacking, RegionInfo, RegionSource } from './DataPlane.js';
import { DataPlane } from './DataPlane.js';

/** A RegionSource reading region state from a MemorySystem and host memory from a RamList. */
export class MemorySystemRegionSource implements RegionSource {
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
    if (this.region(id) === undefined) return undefined;
    let block: RamBlock | null = this.ramList.findByRegion(id);
    if (block === null) {
      const state = this.system.region(id);
      block = this.ramList.alloc({ name: state.name, owner: state.owner, size: Number(state.size), regionId: id });
    }
    return { bytes: block.host, ramAddr: block.offset };
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
  private readonly spaces = new Map<string, { as: AddressSpaceAccess; listener: MemoryListener; unregister: () => void }>();

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
   * beforehand), kept in step with its commits. One object per name while
   * the address space lives; if it was destroyed (which unregisters our
   * listener) and created again, a new object follows the new one.
   */
  addressSpace(name: string): AddressSpaceAccess {
    const known = this.spaces.get(name);
    if (known !== undefined) {
      if (this.system.listeners().some((e) => e.listener === known.listener)) return known.as;
      this.spaces.delete(name);
    }
    const as = this.plane.createAddressSpace(name);
    this.plane.publish(as, this.system.flatView(name));
    const listener: MemoryListener = {
      name: `data-plane:${name}`,
      commit: () => this.plane.publish(as, this.system.flatView(name)),
    };
    const unregister = this.system.registerListener(name, listener);
    this.spaces.set(name, { as, listener, unregister });
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
