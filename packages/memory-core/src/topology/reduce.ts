/**
 * The topology reducer: folds events into a {@link TopologyState} with Immer.
 * Validation runs first, so an invalid event throws and leaves the state as it
 * was. The reducer also keeps QEMU's `memory_region_update_pending` rules: it
 * decides which events need a re-render, and bumps `topologyGeneration` at the
 * outermost commit (an event outside any transaction is its own transaction).
 */
import { produce, type Draft } from 'immer';
import type { TopologyEvent } from './events.js';
import { SIZE_2_64, type TopologyState } from './state.js';
import type { RegionState } from './types.js';
import { validateEvent } from './validate.js';

/** QEMU's `memory_region_init` turns a size of UINT64_MAX into 2^64; so do we. */
export function normaliseSize(size: bigint): bigint {
  return size === SIZE_2_64 - 1n ? SIZE_2_64 : size;
}

type DraftState = Draft<TopologyState>;
type DraftRegion = Draft<RegionState>;

/** `memory_region_update_container_subregions`: before the first sibling of lower or equal priority. */
function insertSubregion(state: DraftState, container: DraftRegion, sub: DraftRegion): void {
  const list = container.subregions;
  let i = 0;
  for (; i < list.length; i++) {
    const other = state.regions[list[i] as string] as RegionState;
    if (sub.priority >= other.priority) break;
  }
  list.splice(i, 0, sub.id);
}

function removeSubregion(container: DraftRegion, subId: string): void {
  const i = container.subregions.indexOf(subId);
  if (i >= 0) container.subregions.splice(i, 1);
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
 * Applies an already-validated event to an Immer draft. Internal to the
 * reducer and to {@link MemorySystem}'s open-transaction draft.
 */
export function applyEventToDraft(state: DraftState, event: TopologyEvent): void {
  let pending = false;
  switch (event.type) {
    case 'regionCreated':
      state.regions[event.id] = createRegion(event) as DraftRegion;
      break;
    case 'subregionAdded': {
      const container = state.regions[event.container] as DraftRegion;
      const sub = state.regions[event.subregion] as DraftRegion;
      sub.container = container.id;
      sub.addr = event.addr;
      sub.priority = event.priority ?? 0;
      sub.mayOverlap = event.priority !== null;
      insertSubregion(state, container, sub);
      pending = container.enabled && sub.enabled;
      break;
    }
    case 'subregionDeleted': {
      const container = state.regions[event.container] as DraftRegion;
      const sub = state.regions[event.subregion] as DraftRegion;
      removeSubregion(container, sub.id);
      sub.container = null;
      pending = container.enabled && sub.enabled;
      break;
    }
    case 'enabledSet': {
      const r = state.regions[event.region] as DraftRegion;
      if (r.enabled !== event.enabled) {
        r.enabled = event.enabled;
        pending = true;
      }
      break;
    }
    case 'addressSet': {
      const r = state.regions[event.region] as DraftRegion;
      if (r.addr !== event.addr) {
        r.addr = event.addr;
        // memory_region_readd_subregion: delete and add again, so the region
        // moves in front of its equal-priority siblings
        if (r.container !== null) {
          const container = state.regions[r.container] as DraftRegion;
          removeSubregion(container, r.id);
          insertSubregion(state, container, r);
          pending = container.enabled && r.enabled;
        }
      }
      break;
    }
    case 'aliasOffsetSet': {
      const r = state.regions[event.region] as DraftRegion;
      if (r.aliasOffset !== event.aliasOffset) {
        r.aliasOffset = event.aliasOffset;
        pending = r.enabled;
      }
      break;
    }
    case 'sizeSet': {
      const r = state.regions[event.region] as DraftRegion;
      const size = normaliseSize(event.size);
      if (r.size !== size) {
        r.size = size;
        pending = true;
      }
      break;
    }
    case 'readonlySet': {
      const r = state.regions[event.region] as DraftRegion;
      if (r.readonly !== event.readonly) {
        r.readonly = event.readonly;
        pending = r.enabled;
      }
      break;
    }
    case 'romdModeSet': {
      const r = state.regions[event.region] as DraftRegion;
      if (r.romdMode !== event.romdMode) {
        r.romdMode = event.romdMode;
        pending = r.enabled;
      }
      break;
    }
    case 'nonvolatileSet': {
      const r = state.regions[event.region] as DraftRegion;
      if (r.nonvolatile !== event.nonvolatile) {
        r.nonvolatile = event.nonvolatile;
        pending = r.enabled;
      }
      break;
    }
    case 'logSet': {
      const r = state.regions[event.region] as DraftRegion;
      const before = r.vgaLogCount;
      r.vgaLogCount = before + (event.log ? 1 : -1);
      // only the 0 <-> non-zero transitions change the mask (memory_region_set_log)
      if ((before === 0) !== (r.vgaLogCount === 0)) pending = r.enabled;
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
      const r = state.regions[event.region] as DraftRegion;
      // memory_region_finalize disables the region first, so unmapping its
      // subregions sets no update pending
      for (const subId of r.subregions) {
        const sub = state.regions[subId] as DraftRegion;
        sub.container = null;
      }
      delete state.regions[event.region];
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
 * Reduces a sequence of events in one Immer pass (much faster than calling
 * {@link reduce} per event on large logs). Each event is validated against the
 * state produced by the ones before it; the first invalid event throws, and
 * nothing is returned.
 */
export function reduceAll(state: TopologyState, events: Iterable<TopologyEvent>): TopologyState {
  return produce(state, (draft) => {
    for (const e of events) {
      validateEvent(draft as TopologyState, e);
      applyEventToDraft(draft, e);
    }
  });
}
