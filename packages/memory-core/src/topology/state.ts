/**
 * The reduced state of a memory topology: every region and address space, the
 * global dirty-logging flag, the accelerator flag and the transaction
 * bookkeeping. Produced by `reduce.ts` with Immer, frozen, never mutated.
 */
import { emptyRegionTable } from './regionTable.js';
import type { AddressSpaceState, RegionState } from './types.js';

/** 2^64: the size of a whole 64-bit address space, and the largest region size. */
export const SIZE_2_64 = 1n << 64n;

/** The state the reducer folds events into. */
export interface TopologyState {
  /**
   * Every region by id. Reads like a frozen record (`regions[id]`, `in`,
   * `Object.keys` in creation order) but is a persistent table shared between
   * states, so one event does not copy every region.
   */
  readonly regions: Readonly<Record<string, RegionState>>;
  readonly addressSpaces: Readonly<Record<string, AddressSpaceState>>;
  /** Address-space names in creation order (QEMU's `address_spaces` list order). */
  readonly addressSpaceOrder: readonly string[];
  /** `global_dirty_tracking != 0`: RAM ranges carry the MIGRATION bit. */
  readonly globalDirtyLog: boolean;
  /** TCG is the accelerator: RAM ranges carry the CODE bit. */
  readonly tcg: boolean;
  /** Nesting depth of `memory_region_transaction_begin`. */
  readonly transactionDepth: number;
  /** QEMU's `memory_region_update_pending`: a change awaits the outermost commit. */
  readonly updatePending: boolean;
  /**
   * Count of topology commits so far (outermost commits that had an update
   * pending). When it moves, FlatViews are re-rendered and listeners notified.
   */
  readonly topologyGeneration: number;
}

/** The empty topology: no regions, no address spaces, nothing logging, not TCG. */
export const initialTopologyState: TopologyState = Object.freeze({
  regions: emptyRegionTable(),
  addressSpaces: Object.freeze({}),
  addressSpaceOrder: Object.freeze([]) as readonly string[],
  globalDirtyLog: false,
  tcg: false,
  transactionDepth: 0,
  updatePending: false,
  topologyGeneration: 0,
});
