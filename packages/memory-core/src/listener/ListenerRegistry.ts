/**
 * The registered memory listeners, kept in QEMU's order, and the fan-out of
 * topology operations to them (`MEMORY_LISTENER_CALL`,
 * `listener_add_address_space`, `listener_del_address_space`).
 */
import { visitFlatViewDiff, type TopologyOp } from '../flatview/diff.js';
import type { FlatRange, FlatView } from '../topology/types.js';
import type { MemoryListener, MemoryRegionSection } from './MemoryListener.js';

/** A listener registered on one address space with a priority. */
export interface RegisteredListener {
  readonly listener: MemoryListener;
  /** QEMU's `MemoryListener.priority`: ascending order, equal priorities in registration order. */
  readonly priority: number;
  /** Name of the address space it listens to. */
  readonly addressSpace: string;
}

/** `memory_listener_register`'s insertion: after every listener of lower or equal priority. */
function insertByPriority(list: RegisteredListener[], entry: RegisteredListener): void {
  const last = list[list.length - 1];
  if (last === undefined || entry.priority >= last.priority) {
    list.push(entry);
    return;
  }
  const i = list.findIndex((other) => entry.priority < other.priority);
  list.splice(i, 0, entry);
}

/**
 * Listeners in QEMU's two orders: the global list (used for begin, commit,
 * log_global_start/stop) and one list per address space (used for region and
 * log callbacks). Both are sorted by priority ascending; equal priorities keep
 * registration order. Mutable; owned by a {@link MemorySystem}.
 */
export class ListenerRegistry {
  private readonly global: RegisteredListener[] = [];
  private readonly perAs = new Map<string, RegisteredListener[]>();

  /** Adds `entry` to the global list and its address space's list. */
  add(entry: RegisteredListener): void {
    insertByPriority(this.global, entry);
    let list = this.perAs.get(entry.addressSpace);
    if (list === undefined) {
      list = [];
      this.perAs.set(entry.addressSpace, list);
    }
    insertByPriority(list, entry);
  }

  /** Removes `entry`; returns false if it was not registered. */
  remove(entry: RegisteredListener): boolean {
    const gi = this.global.indexOf(entry);
    if (gi < 0) return false;
    this.global.splice(gi, 1);
    const list = this.perAs.get(entry.addressSpace);
    if (list !== undefined) {
      const i = list.indexOf(entry);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.perAs.delete(entry.addressSpace);
    }
    return true;
  }

  /** Every listener, global order. */
  all(): readonly RegisteredListener[] {
    return this.global;
  }

  /** The listeners of one address space, in its order (empty if none). */
  of(addressSpace: string): readonly RegisteredListener[] {
    return this.perAs.get(addressSpace) ?? [];
  }
}

/** `section_from_flat_range`: the section a listener sees for one FlatRange of an address space. */
export function sectionFromFlatRange(addressSpace: string, fr: FlatRange): MemoryRegionSection {
  return {
    addressSpace,
    region: fr.region,
    offsetWithinRegion: fr.offsetInRegion,
    offsetWithinAddressSpace: fr.start,
    size: fr.size,
    readonly: fr.readonly,
    nonvolatile: fr.nonvolatile,
  };
}

function deliverOne(
  listeners: readonly RegisteredListener[],
  section: MemoryRegionSection,
  kind: TopologyOp['kind'],
  oldMask: number,
  newMask: number,
): void {
  const n = listeners.length;
  switch (kind) {
    case 'regionDel':
      for (let i = n - 1; i >= 0; i--) (listeners[i] as RegisteredListener).listener.regionDel?.(section);
      break;
    case 'regionNop':
      for (let i = 0; i < n; i++) (listeners[i] as RegisteredListener).listener.regionNop?.(section);
      break;
    case 'regionAdd':
      for (let i = 0; i < n; i++) (listeners[i] as RegisteredListener).listener.regionAdd?.(section);
      break;
    case 'logStart':
      for (let i = 0; i < n; i++) (listeners[i] as RegisteredListener).listener.logStart?.(section, oldMask, newMask);
      break;
    case 'logStop':
      for (let i = n - 1; i >= 0; i--) (listeners[i] as RegisteredListener).listener.logStop?.(section, oldMask, newMask);
      break;
  }
}

/**
 * Delivers one address space's topology operations (from `diffFlatViews`) to
 * its listeners, each operation to every listener before the next operation:
 * `regionDel` and `logStop` in reverse order, the others forward.
 */
export function deliverTopologyOps(
  listeners: readonly RegisteredListener[],
  addressSpace: string,
  ops: readonly TopologyOp[],
): void {
  if (listeners.length === 0) return;
  for (const op of ops) {
    const section = sectionFromFlatRange(addressSpace, op.range);
    if (op.kind === 'logStart' || op.kind === 'logStop') deliverOne(listeners, section, op.kind, op.oldMask, op.newMask);
    else deliverOne(listeners, section, op.kind, 0, 0);
  }
}

/**
 * `address_space_set_flatview`'s two update passes: delivers the diff of
 * `oldView` and `newView` straight to the listeners, in the same order as
 * {@link deliverTopologyOps} of `diffFlatViews(oldView, newView)` but
 * without building the operation list (a commit of a large view is mostly
 * region_nop). A log_start and log_stop of one range share its section.
 * With `sections` (one cache per address space), a FlatRange object kept
 * from one commit to the next is handed the same frozen section again
 * instead of a new one.
 */
export function deliverFlatViewDiff(
  listeners: readonly RegisteredListener[],
  addressSpace: string,
  oldView: FlatView,
  newView: FlatView,
  sections?: WeakMap<FlatRange, MemoryRegionSection>,
): void {
  if (listeners.length === 0) return;
  let lastRange: FlatRange | null = null;
  let lastSection: MemoryRegionSection | null = null;
  visitFlatViewDiff(oldView, newView, (kind, range, oldMask, newMask) => {
    if (range !== lastRange || lastSection === null) {
      lastRange = range;
      let section = sections?.get(range);
      if (section === undefined) {
        section = Object.freeze(sectionFromFlatRange(addressSpace, range));
        sections?.set(range, section);
      }
      lastSection = section;
    }
    deliverOne(listeners, lastSection, kind, oldMask, newMask);
  });
}

/**
 * `listener_add_address_space`: replays the current view to a listener that
 * just registered: begin, log_global_start if global dirty logging is on,
 * then for each range region_add and log_start(0, mask) when its mask is not
 * 0, then commit.
 */
export function replayRegistration(entry: RegisteredListener, view: FlatView, globalDirtyLog: boolean): void {
  const l = entry.listener;
  l.begin?.();
  if (globalDirtyLog) l.logGlobalStart?.();
  for (const fr of view.ranges) {
    const section = sectionFromFlatRange(entry.addressSpace, fr);
    l.regionAdd?.(section);
    if (fr.dirtyLogMask !== 0) l.logStart?.(section, 0, fr.dirtyLogMask);
  }
  l.commit?.();
}

/**
 * `listener_del_address_space`: replays the removal of the current view to a
 * listener being unregistered: begin, then for each range (ascending)
 * log_stop(mask, 0) when its mask is not 0 and region_del, then commit. As in
 * QEMU, log_global_stop is not called.
 */
export function replayUnregistration(entry: RegisteredListener, view: FlatView): void {
  const l = entry.listener;
  l.begin?.();
  for (const fr of view.ranges) {
    const section = sectionFromFlatRange(entry.addressSpace, fr);
    if (fr.dirtyLogMask !== 0) l.logStop?.(section, fr.dirtyLogMask, 0);
    l.regionDel?.(section);
  }
  l.commit?.();
}
