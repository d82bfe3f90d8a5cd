/**
 * The topology reducer: folds events into a {@link TopologyState} with Immer.
 * Validation runs first, so an invalid event throws and leaves the state as it
 * was. The reducer also keeps QEMU's `memory_region_update_pending` rules: it
 * decides which events need a re-render, and bumps `topologyGeneration` at the
 * outermost commit (an event outside any transaction is its own transaction).
 */
import { freeze, produce, type Draft } from 'immer';
import type { TopologyEvent } from './events.js';
import { SIZE_2_64, type TopologyState } from './state.js';
import { regionLookup, regionTableWith, regionTableWithout } from './regionTable.js';
import type { RegionState } from './types.js';
import { validateEvent } from './validate.js';

/** QEMU's `memory_region_init` turns a size of UINT64_MAX into 2^64; so do we. */
export function normaliseSize(size: bigint): bigint {
  return size === SIZE_2_64 - 1n ? SIZE_2_64 : size;
}

type DraftState = Draft<TopologyState>;
type Regions = TopologyState['regions'];

function get(state: DraftState, id: string): RegionState {
  return regionLookup(state.regions as Regions)(id) as RegionState;
}

/** Replaces region `id` by `recipe` applied with Immer (the table itself is persistent, not drafted). */
function update(state: DraftState, id: string, recipe: (r: Draft<RegionState>) => void): void {
  // Immer leaves a nested produce's result for the outer one to freeze, and the
  // outer one never looks inside the table: freeze here
  const next = freeze(produce(get(state, id), recipe));
  state.regions = regionTableWith(state.regions as Regions, id, next) as Draft<Regions>;
}

/** `memory_region_update_container_subregions`: before the first sibling of lower or equal priority. */
function insertSubregion(state: DraftState, containerId: string, sub: RegionState): void {
  const lookup = regionLookup(state.regions as Regions);
  const list = [...get(state, containerId).subregions];
  let i = 0;
  for (; i < list.length; i++) {
    const other = lookup(list[i] as string) as RegionState;
    if (sub.priority >= other.priority) break;
  }
  list.splice(i, 0, sub.id);
  // a plain array assigned whole: splicing through an Immer draft costs a trap per moved element
  update(state, containerId, (c) => {
    c.subregions = freeze(list);
  });
}

function removeSubregion(state: DraftState, containerId: string, subId: string): void {
  const list = freeze(get(state, containerId).subregions.filter((id) => id !== subId));
  update(state, containerId, (c) => {
    c.subregions = list;
  });
}

function createRegion(e: Extract<TopologyEvent, { type: 'regionCreated' }>): RegionState {
  const isRam = e.kind === 'ram' || e.kind === 'rom' || e.kind === 'romDevice';
  return {
    id: e.id,
    name: e.name,
    kind: e.kind,
    size: normaliseSize(e.size),
    addr: 0n,
    priority: 0,
    mayOverlap: false,
    container: null,
    subregions: [],
    enabled: true,
    readonly: e.kind === 'rom' ? true : e.readonly,
    // memory_region_initfn: romd_mode starts true for every region
    romdMode: true,
    nonvolatile: e.nonvolatile,
    ram: isRam,
    ramDevice: e.ramDevice,
    terminates: e.kind !== 'container' && e.kind !== 'alias',
    alias: e.kind === 'alias' ? e.alias : null,
    aliasOffset: e.aliasOffset,
    vgaLogCount: 0,
    owner: e.owner,
  };
}

/**
 * Applies an already-validated event to an Immer draft of the state.
 * Internal to the reducer. Regions are replaced in the persistent region
 * table (each new RegionState made with Immer) rather than drafted.
 */
export function applyEventToDraft(state: DraftState, event: TopologyEvent): void {
  let pending = false;
  switch (event.type) {
    case 'regionCreated':
      state.regions = regionTableWith(state.regions as Regions, event.id, freeze(createRegion(event), true)) as Draft<Regions>;
      break;
    case 'subregionAdded': {
      const container = get(state, event.container);
      update(state, event.subregion, (sub) => {
        sub.container = container.id;
        sub.addr = event.addr;
        sub.priority = event.priority ?? 0;
        sub.mayOverlap = event.priority !== null;
      });
      const sub = get(state, event.subregion);
      insertSubregion(state, container.id, sub);
      pending = container.enabled && sub.enabled;
      break;
    }
    case 'subregionDeleted': {
      const container = get(state, event.container);
      const sub = get(state, event.subregion);
      removeSubregion(state, container.id, sub.id);
      update(state, sub.id, (d) => {
        d.container = null;
      });
      pending = container.enabled && sub.enabled;
      break;
    }
    case 'enabledSet':
      if (get(state, event.region).enabled !== event.enabled) {
        update(state, event.region, (r) => {
          r.enabled = event.enabled;
        });
        pending = true;
      }
      break;
    case 'addressSet': {
      const r = get(state, event.region);
      if (r.addr !== event.addr) {
        update(state, r.id, (d) => {
          d.addr = event.addr;
        });
        // memory_region_readd_subregion: delete and add again, so the region
        // moves in front of its equal-priority siblings
        if (r.container !== null) {
          const container = get(state, r.container);
          removeSubregion(state, container.id, r.id);
          insertSubregion(state, container.id, get(state, r.id));
          pending = container.enabled && r.enabled;
        }
      }
      break;
    }
    case 'aliasOffsetSet': {
      const r = get(state, event.region);
      if (r.aliasOffset !== event.aliasOffset) {
        update(state, r.id, (d) => {
          d.aliasOffset = event.aliasOffset;
        });
        pending = r.enabled;
      }
      break;
    }
    case 'sizeSet': {
      const size = normaliseSize(event.size);
      if (get(state, event.region).size !== size) {
        update(state, event.region, (d) => {
          d.size = size;
        });
        pending = true;
      }
      break;
    }
    case 'readonlySet': {
      const r = get(state, event.region);
      if (r.readonly !== event.readonly) {
        update(state, r.id, (d) => {
          d.readonly = event.readonly;
        });
        pending = r.enabled;
      }
      break;
    }
    case 'romdModeSet': {
      const r = get(state, event.region);
      if (r.romdMode !== event.romdMode) {
        update(state, r.id, (d) => {
          d.romdMode = event.romdMode;
        });
        pending = r.enabled;
      }
      break;
    }
    case 'nonvolatileSet': {
      const r = get(state, event.region);
      if (r.nonvolatile !== event.nonvolatile) {
        update(state, r.id, (d) => {
          d.nonvolatile = event.nonvolatile;
        });
        pending = r.enabled;
      }
      break;
    }
    case 'logSet': {
      const r = get(state, event.region);
      const count = r.vgaLogCount + (event.log ? 1 : -1);
      update(state, r.id, (d) => {
        d.vgaLogCount = count;
      });
      // only the 0 <-> non-zero transitions change the mask (memory_region_set_log)
      if ((r.vgaLogCount === 0) !== (count === 0)) pending = r.enabled;
      break;
    }
    case 'globalDirtyLogStarted':
      if (!state.globalDirtyLog) {
        state.globalDirtyLog = true;
        pending = true;
      }
      break;
    case 'globalDirtyLogStopped':
      state.globalDirtyLog = false;
      pending = true;
      break;
    case 'tcgSet':
      if (state.tcg !== event.enabled) {
        state.tcg = event.enabled;
        pending = true;
      }
      break;
    case 'transactionBegun':
      state.transactionDepth += 1;
      return;
    case 'transactionCommitted':
      state.transactionDepth -= 1;
      break;
    case 'addressSpaceCreated':
      state.addressSpaces[event.name] = { name: event.name, root: event.root };
      state.addressSpaceOrder.push(event.name);
      break;
    case 'addressSpaceDestroyed': {
      delete state.addressSpaces[event.name];
      const i = state.addressSpaceOrder.indexOf(event.name);
      if (i >= 0) state.addressSpaceOrder.splice(i, 1);
      break;
    }
    case 'regionDestroyed': {
      // memory_region_finalize disables the region first, so unmapping its
      // subregions sets no update pending
      for (const subId of get(state, event.region).subregions) {
        update(state, subId, (d) => {
          d.container = null;
        });
      }
      state.regions = regionTableWithout(state.regions as Regions, event.region) as Draft<Regions>;
      break;
    }
  }
  if (pending) state.updatePending = true;
  if (state.transactionDepth === 0 && state.updatePending) {
    state.updatePending = false;
    state.topologyGeneration += 1;
  }
}

/**
 * Reduces one event: validates it against `state` (throwing a typed error from
 * `errors.ts` if it is invalid) and returns the next state. Pure; `state` is
 * not modified, and unchanged parts are shared with the result.
 */
export function reduce(state: TopologyState, event: TopologyEvent): TopologyState {
  validateEvent(state, event);
  return produce(state, (draft) => applyEventToDraft(draft, event));
}

/**
 * Reduces a sequence of events in one Immer pass: the same state as folding
 * {@link reduce} over them. Each event is validated against the state
 * produced by the ones before it; the first invalid event throws, and nothing
 * is returned.
 */
export function reduceAll(state: TopologyState, events: Iterable<TopologyEvent>): TopologyState {
  return produce(state, (draft) => {
    for (const e of events) {
      validateEvent(draft as TopologyState, e);
      applyEventToDraft(draft, e);
    }
  });
}
