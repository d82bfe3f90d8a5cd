/**
 * What the mtree printers read: the regions and address spaces of a topology
 * (the fields of `TopologyState` they need), so they stay pure functions of data.
 */
import type { AddressSpaceState, FlatView, RegionState } from '../topology/types.js';

/** The part of a topology state the printers read. */
export interface MtreeSource {
  /** Every region by id. */
  readonly regions: Readonly<Record<string, RegionState>>;
  /** Every address space by name. */
  readonly addressSpaces: Readonly<Record<string, AddressSpaceState>>;
  /** Address-space names in creation order (QEMU's `address_spaces` list). */
  readonly addressSpaceOrder: readonly string[];
}

/** Gives the current FlatView of an address space, by name. */
export type FlatViewOf = (addressSpace: string) => FlatView;
