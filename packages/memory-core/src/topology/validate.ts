/**
 * Checks an event against the state it would be applied to, before anything
 * changes. Every rule QEMU enforces with an assert (or leaves to undefined
 * behaviour) becomes a typed error here.
 */
import {
  AliasCycleError,
  DirtyLogNotStartedError,
  DuplicateAddressSpaceError,
  DuplicateRegionError,
  InvalidAddressError,
  InvalidDirtyLogClientError,
  InvalidPriorityError,
  InvalidSizeError,
  NotASubregionError,
  NotAnAliasError,
  RegionInUseError,
  SubregionAlreadyMappedError,
  SubregionCycleError,
  SubregionOfAliasError,
  TransactionNotOpenError,
  UnknownAddressSpaceError,
  UnknownRegionError,
  VgaLogUnderflowError,
  type RegionRef,
} from '../errors.js';
import type { TopologyEvent } from './events.js';
import { forEachRegion, regionLookup } from './regionTable.js';
import { SIZE_2_64, type TopologyState } from './state.js';
import { DIRTY_MEMORY_VGA, type RegionKind, type RegionState } from './types.js';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function refOf(r: RegionState): RegionRef {
  return { id: r.id, name: r.name };
}

function regionOf(state: TopologyState, id: string, role: string): RegionState {
  const r = regionLookup(state.regions)(id);
  if (r === undefined) throw new UnknownRegionError(id, role);
  return r;
}

/** Kinds whose creation allocates a RAM block: QEMU cannot allocate one of size zero. */
const NEEDS_NONZERO_SIZE: ReadonlySet<RegionKind> = new Set<RegionKind>(['ram', 'rom', 'romDevice']);

function checkSize(region: RegionRef, kind: RegionKind, size: bigint): void {
  if (size < 0n) throw new InvalidSizeError(region, size, 'a size cannot be negative');
  if (size > SIZE_2_64) throw new InvalidSizeError(region, size, 'a size cannot exceed 2^64');
  if (size === 0n && NEEDS_NONZERO_SIZE.has(kind)) {
    throw new InvalidSizeError(region, size, `a ${kind} region needs a RAM block, and a RAM block cannot be empty`);
  }
}

function checkAddr(region: RegionRef, field: 'addr' | 'aliasOffset', v: bigint): void {
  if (v < 0n || v >= SIZE_2_64) throw new InvalidAddressError(region, field, v);
}

/**
 * Looks for a path from `from` to `to` following subregion and alias edges;
 * returns it (both ends included) or null. Each region is visited once.
 */
function findPath(state: TopologyState, from: string, to: string): string[] | null {
  const lookup = regionLookup(state.regions);
  const prev = new Map<string, string | null>([[from, null]]);
  const stack = [from];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (id === to) {
      const path: string[] = [];
      for (let c: string | null = id; c !== null; c = prev.get(c) ?? null) path.push(c);
      return path.reverse();
    }
    const r = lookup(id);
    if (r === undefined) continue;
    const next = r.alias !== null ? [r.alias, ...r.subregions] : r.subregions;
    for (const n of next) {
      if (!prev.has(n)) {
        prev.set(n, id);
        stack.push(n);
      }
    }
  }
  return null;
}

/**
 * Throws the typed error that applying `event` to `state` would violate, or
 * returns normally when the event is valid. Pure: reads `state` only (an
 * Immer draft works too).
 */
export function validateEvent(state: TopologyState, event: TopologyEvent): void {
  switch (event.type) {
    case 'regionCreated': {
      const self: RegionRef = { id: event.id, name: event.name };
      const existing = regionLookup(state.regions)(event.id);
      if (existing !== undefined) throw new DuplicateRegionError(event.id, existing.name);
      checkSize(self, event.kind, event.size);
      checkAddr(self, 'aliasOffset', event.aliasOffset);
      if (event.kind === 'alias') {
        if (event.alias === null) throw new UnknownRegionError('(none)', `alias target of "${event.name}"`);
        regionOf(state, event.alias, `alias target of "${event.name}"`);
      } else if (event.alias !== null) {
        throw new NotAnAliasError(self);
      }
      return;
    }
    case 'subregionAdded': {
      const container = regionOf(state, event.container, 'container');
      const sub = regionOf(state, event.subregion, 'subregion');
      if (container.kind === 'alias') throw new SubregionOfAliasError(refOf(container), refOf(sub));
      if (sub.container !== null) {
        throw new SubregionAlreadyMappedError(refOf(sub), refOf(regionOf(state, sub.container, 'container')), refOf(container));
      }
      checkAddr(refOf(sub), 'addr', event.addr);
      if (event.priority !== null && (!Number.isInteger(event.priority) || event.priority < INT32_MIN || event.priority > INT32_MAX)) {
        throw new InvalidPriorityError(refOf(sub), event.priority);
      }
      const path = findPath(state, sub.id, container.id);
      if (path !== null) {
        const cycle = [container.id, ...path].map((id) => refOf(regionOf(state, id, 'cycle member')));
        const throughAlias = path.some((id) => state.regions[id]?.kind === 'alias');
        if (throughAlias) throw new AliasCycleError(refOf(container), refOf(sub), cycle);
        throw new SubregionCycleError(refOf(container), refOf(sub), cycle);
      }
      return;
    }
    case 'subregionDeleted': {
      const container = regionOf(state, event.container, 'container');
      const sub = regionOf(state, event.subregion, 'subregion');
      if (sub.container !== container.id) {
        const actual = sub.container === null ? null : refOf(regionOf(state, sub.container, 'container'));
        throw new NotASubregionError(refOf(container), refOf(sub), actual);
      }
      return;
    }
    case 'enabledSet':
    case 'readonlySet':
    case 'romdModeSet':
    case 'nonvolatileSet':
      regionOf(state, event.region, 'region');
      return;
    case 'addressSet':
      checkAddr(refOf(regionOf(state, event.region, 'region')), 'addr', event.addr);
      return;
    case 'aliasOffsetSet': {
      const r = regionOf(state, event.region, 'region');
      if (r.kind !== 'alias') throw new NotAnAliasError(refOf(r));
      checkAddr(refOf(r), 'aliasOffset', event.aliasOffset);
      return;
    }
    case 'sizeSet': {
      const r = regionOf(state, event.region, 'region');
      checkSize(refOf(r), r.kind, event.size);
      return;
    }
    case 'logSet': {
      const r = regionOf(state, event.region, 'region');
      if (event.client !== DIRTY_MEMORY_VGA) throw new InvalidDirtyLogClientError(refOf(r), event.client);
      if (!event.log && r.vgaLogCount === 0) throw new VgaLogUnderflowError(refOf(r));
      return;
    }
    case 'globalDirtyLogStarted':
    case 'transactionBegun':
    case 'tcgSet':
      return;
    case 'globalDirtyLogStopped':
      if (!state.globalDirtyLog) throw new DirtyLogNotStartedError();
      return;
    case 'transactionCommitted':
      if (state.transactionDepth === 0) throw new TransactionNotOpenError();
      return;
    case 'addressSpaceCreated':
      if (Object.prototype.hasOwnProperty.call(state.addressSpaces, event.name)) {
        throw new DuplicateAddressSpaceError(event.name);
      }
      regionOf(state, event.root, `root of address space "${event.name}"`);
      return;
    case 'addressSpaceDestroyed':
      if (!Object.prototype.hasOwnProperty.call(state.addressSpaces, event.name)) {
        throw new UnknownAddressSpaceError(event.name);
      }
      return;
    case 'regionDestroyed': {
      const r = regionOf(state, event.region, 'region');
      if (r.container !== null) {
        const c = regionOf(state, r.container, 'container');
        throw new RegionInUseError(refOf(r), `it is still a subregion of "${c.name}"; delete it from there first`);
      }
      for (const name of state.addressSpaceOrder) {
        if (state.addressSpaces[name]?.root === r.id) {
          throw new RegionInUseError(refOf(r), `it is the root of address space "${name}"; destroy that first`);
        }
      }
      forEachRegion(state.regions, (other) => {
        if (other.alias === r.id) {
          throw new RegionInUseError(refOf(r), `alias "${other.name}" points to it; destroy the alias first`);
        }
      });
      return;
    }
  }
}
