/**
 * `MemorySystem`: the imperative facade over the event-sourced topology, the
 * one object other packages hold. Each call builds an event, validates it,
 * reduces it with Immer, appends it to the log, at the outermost commit
 * renders the FlatViews and delivers the listener operations synchronously,
 * and finally publishes the event on `events$` — QEMU's memory API with
 * `memory_region_*` calls turned into methods.
 */
import { produce } from 'immer';
import { Observable, Subject, type OperatorFunction } from 'rxjs';
import { ReentrantMutationError, UnknownAddressSpaceError, UnknownRegionError } from '../errors.js';
import { getFlatViewRoot } from '../flatview/flatViewRoot.js';
import { collectRegionWindows, type RegionWindow } from '../flatview/dirtyWindows.js';
import { patchFlatView, refreshDirtyLogMasks } from '../flatview/patch.js';
import { renderFlatView } from '../flatview/render.js';
import {
  ListenerRegistry,
  deliverFlatViewDiff,
  replayRegistration,
  replayUnregistration,
  sectionFromFlatRange,
  type RegisteredListener,
} from '../listener/ListenerRegistry.js';
import type { ListenerOp, MemoryListener, MemoryRegionSection } from '../listener/MemoryListener.js';
import { listenOperator, memoryOps$ } from '../listener/rx.js';
import { dirtyLogMaskOf } from './dirtyLogMask.js';
import type { RegionCreatedEvent, TopologyEvent } from './events.js';
import { applyEventToDraft, normaliseSize } from './reduce.js';
import { regionLookup } from './regionTable.js';
import { initialTopologyState, type TopologyState } from './state.js';
import { DIRTY_MEMORY_VGA, type FlatRange, type FlatView, type RegionKind, type RegionState } from './types.js';
import { validateEvent } from './validate.js';

/** Above this many dirty windows per commit, render every view in full instead. */
const WINDOW_BUDGET = 4096;

/** The FlatView of an address space whose root renders nothing (QEMU's shared empty view). */
export const EMPTY_FLAT_VIEW: FlatView = Object.freeze({ root: null, ranges: Object.freeze([]) });

/** Options common to every region constructor. */
export interface RegionOptions {
  /** Unique id; defaults to `name`, or `name#2`, `name#3`... when taken. */
  readonly id?: string;
  /** QEMU's region name (what `info mtree` prints). */
  readonly name: string;
  /** Exact size, 0..2^64; 2^64-1 is taken as 2^64, as QEMU does. */
  readonly size: bigint;
  /** QOM owner path, used for RAM block ids. */
  readonly owner?: string | null;
  readonly nonvolatile?: boolean;
}

/** Options of {@link MemorySystem.createRam}. */
export interface RamOptions extends RegionOptions {
  /** Start read-only (`memory_region_init_ram_from_file(..., readonly)`). */
  readonly readonly?: boolean;
  /** A RAM device region (`memory_region_init_ram_device_ptr`, `ramd` in mtree). */
  readonly ramDevice?: boolean;
}

/** Options of {@link MemorySystem.createAlias}. */
export interface AliasOptions extends RegionOptions {
  /** Id of the region the alias shows. */
  readonly target: string;
  /** Offset into the target (`alias_offset`). */
  readonly offset: bigint;
}

/** Options of the {@link MemorySystem} constructor. */
export interface MemorySystemOptions {
  /** TCG is the accelerator: RAM ranges carry the CODE dirty bit. Recorded as a `tcgSet` event. */
  readonly tcg?: boolean;
  /**
   * Re-render only the parts of each FlatView a commit can have changed
   * (default true). False re-renders every view in full at every commit, as
   * QEMU does; the results are identical, only slower. Not recorded in the
   * event log.
   */
  readonly incrementalRender?: boolean;
}

/**
 * QEMU's memory API over an event-sourced topology. Not thread-safe (it is
 * the control plane: QEMU holds the BQL here). Listener callbacks run
 * synchronously inside the call that caused them; changing the topology or
 * the listener list from inside one throws {@link ReentrantMutationError}.
 *
 * @example
 * ```ts
 * const m = new MemorySystem();
 * const sys = m.createContainer({ name: 'system', size: 1n << 64n });
 * const ram = m.createRam({ name: 'pc.ram', size: 0x800_0000n });
 * m.addSubregion(sys, ram, 0n);
 * m.createAddressSpace('memory', sys);
 * const off = m.registerListener('memory', { regionAdd: (s) => console.log(s.region) }); // prints pc.ram
 * m.globalDirtyLogStart(); // log_global_start, then log_start(0, MIGRATION) on pc.ram
 * off();
 * ```
 */
export class MemorySystem {
  private base: TopologyState = initialTopologyState;
  private readonly log: TopologyEvent[] = [];
  private readonly subject = new Subject<TopologyEvent>();
  private readonly views = new Map<string, FlatView>();
  /** Per address space: the section handed out for each FlatRange object (ranges survive commits unchanged). */
  private readonly sectionCaches = new Map<string, WeakMap<FlatRange, MemoryRegionSection>>();
  /** QEMU's `flat_views`: the FlatView of each FlatView root, from the last commit or a later address_space_init. */
  private flatViewsByRoot = new Map<string | null, FlatView>([[null, EMPTY_FLAT_VIEW]]);
  private readonly registry = new ListenerRegistry();
  private readonly idCounters = new Map<string, number>();
  /** Alias ids by target id (an alias never changes target), for the dirty-window walk. */
  private readonly aliasesOf = new Map<string, Set<string>>();
  /** Windows (per region, local coordinates) whose rendering may have changed since the last commit. */
  private readonly dirtyWindows = new Map<string, [bigint, bigint][]>();
  private readonly dirtyIds = new Set<string>();
  private dirtyCount = 0;
  private dirtyAll = false;
  /** Global dirty logging or TCG was switched since the last commit: masks must be recomputed. */
  private flagsTouched = false;
  private readonly incremental: boolean;
  /** Depth of listener delivery in progress (mutations are refused meanwhile). */
  private delivering = 0;

  /**
   * Every applied event, in order, emitted once it is fully applied: the
   * state has changed, the FlatViews are published and the listeners have
   * been notified. Subscribers may read `state` and `flatView`.
   */
  readonly events$: Observable<TopologyEvent> = this.subject.asObservable();

  /** An empty topology; with `tcg: true` the first logged event is `tcgSet`. */
  constructor(options: MemorySystemOptions = {}) {
    this.incremental = options.incrementalRender ?? true;
    if (options.tcg === true) this.apply({ type: 'tcgSet', enabled: true });
  }

  /** Builds a system by replaying an event log (e.g. from `eventsFromJsonLines`). Throws on the first invalid event. */
  static fromEvents(events: Iterable<TopologyEvent>, options: Omit<MemorySystemOptions, 'tcg'> = {}): MemorySystem {
    const sys = new MemorySystem(options);
    sys.replay(events);
    return sys;
  }

  /** The current state (inside a transaction: including the uncommitted changes). Immutable. */
  get state(): TopologyState {
    return this.base;
  }

  /** Every event applied so far, in order. Read-only view of the live log. */
  get eventLog(): readonly TopologyEvent[] {
    return this.log;
  }

  /** Applies recorded events in order, exactly as the calls that made them would. */
  replay(events: Iterable<TopologyEvent>): void {
    for (const e of events) this.apply(e);
  }

  /**
   * Validates, records, reduces and publishes one event, then runs its side
   * effects (listener delivery). Throws a typed error before any change when
   * the event is invalid. If a listener throws, the commit is still finished
   * (every view published, every listener's commit called) and the first
   * listener error is rethrown; the event then stays applied and logged.
   */
  apply(event: TopologyEvent): void {
    if (this.delivering > 0) throw new ReentrantMutationError(`applying a ${event.type} event`);
    this.delivering++;
    try {
      this.applyNow(event);
    } finally {
      this.delivering--;
    }
    // outside the guard: an events$ subscriber may register listeners or mutate
    this.subject.next(event);
  }

  private applyNow(event: TopologyEvent): void {
    const before = this.base;
    validateEvent(before, event);
    const generation = before.topologyGeneration;
    const wasLogging = before.globalDirtyLog;
    Object.freeze(event);

    if (event.type === 'addressSpaceDestroyed') {
      // QEMU requires listeners gone before the address space goes; unregister them for the caller.
      for (const entry of [...this.registry.of(event.name)]) this.unregister(entry);
    }

    if (event.type === 'globalDirtyLogStarted' || event.type === 'globalDirtyLogStopped' || event.type === 'tcgSet') {
      this.flagsTouched = true;
    }
    const touched = MemorySystem.touchedRegion(event);
    if (touched !== null) this.recordWindows(before, touched);
    this.base = produce(this.base, (d) => applyEventToDraft(d, event));
    if (touched !== null) this.recordWindows(this.base, touched);
    if (event.type === 'regionCreated' && event.alias !== null) {
      let set = this.aliasesOf.get(event.alias);
      if (set === undefined) {
        set = new Set();
        this.aliasesOf.set(event.alias, set);
      }
      set.add(event.id);
    } else if (event.type === 'regionDestroyed') {
      const target = before.regions[event.region]?.alias;
      if (target != null) this.aliasesOf.get(target)?.delete(event.region);
      this.flatViewsByRoot.delete(event.region);
    }
    this.log.push(event);

    const after = this.base;
    if (event.type === 'addressSpaceCreated') {
      // address_space_init: share the FlatView of the same root if one exists
      // (even from before an open transaction's changes, as QEMU does), else render now
      const root = getFlatViewRoot(after, event.root);
      let view = this.flatViewsByRoot.get(root);
      if (view === undefined) {
        view = renderFlatView(after, root);
        this.flatViewsByRoot.set(root, view);
      }
      this.views.set(event.name, view);
    } else if (event.type === 'addressSpaceDestroyed') {
      this.views.delete(event.name);
      this.sectionCaches.delete(event.name);
    }
    if (event.type === 'globalDirtyLogStarted' && !wasLogging) {
      for (const e of this.registry.all()) e.listener.logGlobalStart?.();
    }
    if (after.topologyGeneration !== generation) this.commitTopology();
    if (event.type === 'globalDirtyLogStopped') {
      const all = this.registry.all();
      for (let i = all.length - 1; i >= 0; i--) all[i]?.listener.logGlobalStop?.();
    }
  }

  /** Which region's windows an event can change (null: none, or handled by the flags check). */
  private static touchedRegion(event: TopologyEvent): string | null {
    switch (event.type) {
      case 'subregionAdded':
      case 'subregionDeleted':
        return event.subregion;
      case 'enabledSet':
      case 'addressSet':
      case 'aliasOffsetSet':
      case 'sizeSet':
      case 'readonlySet':
      case 'romdModeSet':
      case 'nonvolatileSet':
      case 'logSet':
        return event.region;
      default:
        return null;
    }
  }

  /** Records, for the next commit, where region `id` shows in state `s` (before or after an event). */
  private recordWindows(s: TopologyState, id: string): void {
    if (this.dirtyAll) return;
    this.dirtyIds.add(id);
    const found: RegionWindow[] = [];
    const ok = collectRegionWindows(
      regionLookup(s.regions),
      (target) => this.aliasesOf.get(target) ?? [],
      id,
      found,
      WINDOW_BUDGET,
    );
    this.dirtyCount += found.length;
    if (!ok || this.dirtyCount > WINDOW_BUDGET) {
      this.dirtyAll = true;
      this.dirtyWindows.clear();
      return;
    }
    for (const w of found) {
      let list = this.dirtyWindows.get(w.node);
      if (list === undefined) {
        list = [];
        this.dirtyWindows.set(w.node, list);
      }
      list.push([w.lo, w.hi]);
    }
  }

  /**
   * The new FlatView of FlatView root `physmr`: the old view patched in the
   * windows recorded since the last commit when that is possible, else a full
   * render. Both give the same ranges.
   */
  private nextView(s: TopologyState, physmr: string, oldViews: readonly FlatView[]): FlatView {
    const old = oldViews.find((v) => v.root === physmr);
    if (!this.incremental || this.dirtyAll || old === undefined || this.dirtyIds.has(physmr)) {
      return renderFlatView(s, physmr);
    }
    const base = this.flagsTouched ? refreshDirtyLogMasks(s, old) : old;
    const shift = regionLookup(s.regions)(physmr)?.addr ?? 0n;
    const windows = (this.dirtyWindows.get(physmr) ?? []).map(([lo, hi]) => [lo + shift, hi + shift] as const);
    return patchFlatView(s, base, windows);
  }

  /** `memory_region_transaction_commit` with an update pending: flatviews_reset, then notify. */
  private commitTopology(): void {
    const s = this.base;
    const byRoot = new Map<string | null, FlatView>([[null, EMPTY_FLAT_VIEW]]);
    const rootOf = new Map<string, string | null>();
    const oldByRoot = new Map<string | null, FlatView[]>();
    for (const name of s.addressSpaceOrder) {
      const as = s.addressSpaces[name];
      if (as === undefined) continue;
      const physmr = getFlatViewRoot(s, as.root);
      rootOf.set(name, physmr);
      const old = this.views.get(name);
      if (old !== undefined) {
        const list = oldByRoot.get(physmr) ?? [];
        list.push(old);
        oldByRoot.set(physmr, list);
      }
    }
    for (const physmr of rootOf.values()) {
      if (byRoot.has(physmr)) continue;
      byRoot.set(physmr, physmr === null ? EMPTY_FLAT_VIEW : this.nextView(s, physmr, oldByRoot.get(physmr) ?? []));
    }
    this.flatViewsByRoot = byRoot;
    this.dirtyWindows.clear();
    this.dirtyIds.clear();
    this.dirtyCount = 0;
    this.dirtyAll = false;
    this.flagsTouched = false;

    // A throwing listener must not leave views half-published (the next
    // commit patches from them): finish the commit, then rethrow the first error.
    let failure: { error: unknown } | null = null;
    const guard = (fn: () => void): void => {
      try {
        fn();
      } catch (error) {
        failure ??= { error };
      }
    };
    const all = this.registry.all();
    for (const e of all) guard(() => e.listener.begin?.());
    for (const name of s.addressSpaceOrder) {
      const oldView = this.views.get(name) ?? EMPTY_FLAT_VIEW;
      const newView = byRoot.get(rootOf.get(name) ?? null) ?? EMPTY_FLAT_VIEW;
      if (oldView === newView) continue;
      const listeners = this.registry.of(name);
      let cache = this.sectionCaches.get(name);
      if (cache === undefined) {
        cache = new WeakMap();
        this.sectionCaches.set(name, cache);
      }
      const sections = cache;
      guard(() => deliverFlatViewDiff(listeners, name, oldView, newView, sections));
      this.views.set(name, newView);
    }
    for (const e of all) guard(() => e.listener.commit?.());
    if (failure !== null) throw (failure as { error: unknown }).error;
  }

  private uniqueId(name: string): string {
    const has = regionLookup(this.base.regions);
    if (has(name) === undefined) return name;
    let n = this.idCounters.get(name) ?? 1;
    let id: string;
    do {
      n++;
      id = `${name}#${n}`;
    } while (has(id) !== undefined);
    this.idCounters.set(name, n);
    return id;
  }

  private create(
    kind: RegionKind,
    opts: RegionOptions,
    extra: Partial<Pick<RegionCreatedEvent, 'alias' | 'aliasOffset' | 'readonly' | 'ramDevice'>> = {},
  ): string {
    const id = opts.id ?? this.uniqueId(opts.name);
    this.apply({
      type: 'regionCreated',
      id,
      kind,
      name: opts.name,
      size: normaliseSize(opts.size),
      owner: opts.owner ?? null,
      alias: extra.alias ?? null,
      aliasOffset: extra.aliasOffset ?? 0n,
      readonly: extra.readonly ?? kind === 'rom',
      nonvolatile: opts.nonvolatile ?? false,
      ramDevice: extra.ramDevice ?? false,
    });
    return id;
  }

  /** `memory_region_init`: a pure container; lower-priority regions show through its holes. Returns the id. */
  createContainer(opts: RegionOptions): string {
    return this.create('container', opts);
  }

  /** `memory_region_init_ram`: RAM (size must be non-zero). Returns the id. */
  createRam(opts: RamOptions): string {
    return this.create('ram', opts, { readonly: opts.readonly ?? false, ramDevice: opts.ramDevice ?? false });
  }

  /** `memory_region_init_rom`: RAM the guest cannot write (starts readonly). Returns the id. */
  createRom(opts: RegionOptions): string {
    return this.create('rom', opts, { readonly: true });
  }

  /** `memory_region_init_rom_device`: reads from RAM while in romd mode (the default), writes go to its ops. Returns the id. */
  createRomDevice(opts: RegionOptions): string {
    return this.create('romDevice', opts);
  }

  /** `memory_region_init_io` with ops; the device's callbacks are looked up by the returned id. */
  createIo(opts: RegionOptions): string {
    return this.create('io', opts);
  }

  /** `memory_region_init_alias`: a window of `size` bytes onto `target` at `offset`. Returns the id. */
  createAlias(opts: AliasOptions): string {
    return this.create('alias', opts, { alias: opts.target, aliasOffset: opts.offset });
  }

  /** `memory_region_init_io` with no ops: a reserved range (accesses are unassigned). Returns the id. */
  createReservation(opts: RegionOptions): string {
    return this.create('reservation', opts);
  }

  /**
   * `memory_region_add_subregion` (no priority: priority 0) or
   * `memory_region_add_subregion_overlap` (priority given). Among equal
   * priorities the region added last wins. Throws if `child` is already
   * mapped, `parent` is an alias, or the edge would make a cycle.
   */
  addSubregion(parent: string, child: string, addr: bigint, priority?: number): void {
    this.apply({ type: 'subregionAdded', container: parent, subregion: child, addr, priority: priority ?? null });
  }

  /** `memory_region_del_subregion`. Throws if `child` is not a subregion of `parent`. */
  delSubregion(parent: string, child: string): void {
    this.apply({ type: 'subregionDeleted', container: parent, subregion: child });
  }

  /** `memory_region_set_enabled`: a disabled region (and its subtree) renders nothing. */
  setEnabled(id: string, enabled: boolean): void {
    this.apply({ type: 'enabledSet', region: id, enabled });
  }

  /** `memory_region_set_address`: moves a region within its container (it then wins among equal priorities). */
  setAddress(id: string, addr: bigint): void {
    this.apply({ type: 'addressSet', region: id, addr });
  }

  /** `memory_region_set_alias_offset`. Throws on a region that is not an alias. */
  setAliasOffset(id: string, offset: bigint): void {
    this.apply({ type: 'aliasOffsetSet', region: id, aliasOffset: offset });
  }

  /** `memory_region_set_size` (2^64-1 means 2^64). */
  setSize(id: string, size: bigint): void {
    this.apply({ type: 'sizeSet', region: id, size: normaliseSize(size) });
  }

  /** `memory_region_set_readonly`; inherited by everything rendered through this region. */
  setReadonly(id: string, readonly: boolean): void {
    this.apply({ type: 'readonlySet', region: id, readonly });
  }

  /** `memory_region_rom_device_set_romd`. */
  setRomdMode(id: string, romdMode: boolean): void {
    this.apply({ type: 'romdModeSet', region: id, romdMode });
  }

  /** `memory_region_set_nonvolatile`; inherited like readonly. */
  setNonvolatile(id: string, nonvolatile: boolean): void {
    this.apply({ type: 'nonvolatileSet', region: id, nonvolatile });
  }

  /**
   * `memory_region_set_log(mr, log, client)`: counts VGA logging users; the
   * VGA bit is in the mask while the count is non-zero. Only
   * `DIRTY_MEMORY_VGA` is accepted; turning off below zero throws.
   */
  setLog(id: string, log: boolean, client: number = DIRTY_MEMORY_VGA): void {
    this.apply({ type: 'logSet', region: id, log, client });
  }

  /**
   * `memory_global_dirty_log_start`: calls log_global_start on every
   * listener, then commits (MIGRATION appears on RAM ranges: log_start).
   * Starting when already started does nothing.
   */
  globalDirtyLogStart(): void {
    this.apply({ type: 'globalDirtyLogStarted' });
  }

  /**
   * `memory_global_dirty_log_stop`: commits (MIGRATION vanishes: log_stop),
   * then calls log_global_stop on every listener in reverse order. Throws if
   * not started. QEMU postpones the stop while the VM is paused; there is no
   * run state here, so it always stops at once.
   */
  globalDirtyLogStop(): void {
    this.apply({ type: 'globalDirtyLogStopped' });
  }

  /** Sets whether TCG is the accelerator (CODE bit on RAM). */
  setTcg(enabled: boolean): void {
    this.apply({ type: 'tcgSet', enabled });
  }

  /** `memory_region_transaction_begin`. Transactions nest; only the outermost commit renders. */
  begin(): void {
    this.apply({ type: 'transactionBegun' });
  }

  /** `memory_region_transaction_commit`. Throws without a matching begin. */
  commit(): void {
    this.apply({ type: 'transactionCommitted' });
  }

  /** Runs `fn` inside begin/commit; commits even if `fn` throws (the error is rethrown). */
  transaction<T>(fn: () => T): T {
    this.begin();
    try {
      return fn();
    } finally {
      this.commit();
    }
  }

  /** `address_space_init`: an address space over `rootId`, rendered at once. */
  createAddressSpace(name: string, rootId: string): void {
    this.apply({ type: 'addressSpaceCreated', name, root: rootId });
  }

  /** `address_space_destroy`. Listeners still registered on it are unregistered first (each sees the removal). */
  destroyAddressSpace(name: string): void {
    this.apply({ type: 'addressSpaceDestroyed', name });
  }

  /** Finalizes a region: it must be unmapped, not a root and not an alias target; its subregions become unmapped. */
  destroyRegion(id: string): void {
    this.apply({ type: 'regionDestroyed', region: id });
  }

  /** The region with this id. Throws {@link UnknownRegionError}. */
  region(id: string): RegionState {
    const r = regionLookup(this.base.regions)(id);
    if (r === undefined) throw new UnknownRegionError(id, 'region');
    return r;
  }

  /** Address-space names in creation order. */
  addressSpaceNames(): readonly string[] {
    return [...this.base.addressSpaceOrder];
  }

  /**
   * The FlatView currently published for an address space (the one listeners
   * were last told about). Address spaces with the same FlatView root share
   * the same object. Inside a transaction it is the view before the
   * transaction.
   */
  flatView(addressSpace: string): FlatView {
    const v = this.views.get(addressSpace);
    if (v === undefined) throw new UnknownAddressSpaceError(addressSpace);
    return v;
  }

  /** `memory_region_get_dirty_log_mask`. */
  getDirtyLogMask(id: string): number {
    return dirtyLogMaskOf(this.region(id), this.base);
  }

  /** `memory_region_is_logging(mr, client)`. */
  isLogging(id: string, client: number): boolean {
    return (this.getDirtyLogMask(id) & (1 << client)) !== 0;
  }

  /**
   * `memory_listener_register`: registers `listener` on an address space with
   * a priority (ascending order; equal priorities in registration order) and
   * replays the current view to it at once. Returns the unregister function
   * (`memory_listener_unregister`), which replays the removal; calling it
   * twice does nothing.
   */
  registerListener(addressSpace: string, listener: MemoryListener, priority = 0): () => void {
    if (this.delivering > 0) throw new ReentrantMutationError('registering a memory listener');
    const view = this.views.get(addressSpace);
    if (view === undefined) throw new UnknownAddressSpaceError(addressSpace);
    const entry: RegisteredListener = { listener, priority, addressSpace };
    this.registry.add(entry);
    this.delivering++;
    try {
      replayRegistration(entry, view, this.base.globalDirtyLog);
    } finally {
      this.delivering--;
    }
    return () => {
      if (this.delivering > 0) throw new ReentrantMutationError('unregistering a memory listener');
      this.delivering++;
      try {
        this.unregister(entry);
      } finally {
        this.delivering--;
      }
    };
  }

  /**
   * Registers an RxJS operator as a listener on an address space (see
   * {@link listenOperator}): the replay of the current view and every later
   * operation flow through it synchronously, in QEMU's order. Returns the
   * unregister function, which also sends the removal through it.
   */
  listen(addressSpace: string, operator: OperatorFunction<ListenerOp, unknown>, priority = 0): () => void {
    return listenOperator(this, addressSpace, operator, priority);
  }

  /** The listener operations of an address space as an Observable (see {@link memoryOps$}). */
  ops$(addressSpace: string, priority = 0): Observable<ListenerOp> {
    return memoryOps$(this, addressSpace, priority);
  }

  private unregister(entry: RegisteredListener): void {
    const view = this.views.get(entry.addressSpace) ?? EMPTY_FLAT_VIEW;
    if (!this.registry.all().includes(entry)) return;
    replayUnregistration(entry, view);
    this.registry.remove(entry);
  }

  /** The registered listeners in QEMU's global order (priority ascending). */
  listeners(): readonly RegisteredListener[] {
    return [...this.registry.all()];
  }

  /**
   * `memory_region_sync_dirty_bitmap`: for every listener with `logSync`
   * (global order), calls it on each range of its address space's view that
   * has a non-zero dirty-log mask and, if `regionId` is given, belongs to it.
   */
  syncDirtyLog(regionId?: string): void {
    for (const entry of this.registry.all()) {
      const sync = entry.listener.logSync;
      if (sync === undefined) continue;
      const view = this.views.get(entry.addressSpace) ?? EMPTY_FLAT_VIEW;
      for (const fr of view.ranges) {
        if (fr.dirtyLogMask !== 0 && (regionId === undefined || fr.region === regionId)) {
          sync.call(entry.listener, sectionFromFlatRange(entry.addressSpace, fr));
        }
      }
    }
  }

  /**
   * `memory_region_clear_dirty_bitmap`: for every listener with `logClear`,
   * calls it with each logging range of `regionId` cut to
   * [start, start+length) of the region's offsets; ranges outside are skipped.
   */
  clearDirtyLog(regionId: string, start: bigint, length: bigint): void {
    const end = start + length;
    for (const entry of this.registry.all()) {
      const clear = entry.listener.logClear;
      if (clear === undefined) continue;
      const view = this.views.get(entry.addressSpace) ?? EMPTY_FLAT_VIEW;
      for (const fr of view.ranges) {
        if (fr.dirtyLogMask === 0 || fr.region !== regionId) continue;
        const secStart = fr.offsetInRegion > start ? fr.offsetInRegion : start;
        const frEnd = fr.offsetInRegion + fr.size;
        const secEnd = frEnd < end ? frEnd : end;
        if (secStart >= secEnd) continue;
        clear.call(entry.listener, {
          ...sectionFromFlatRange(entry.addressSpace, fr),
          offsetWithinRegion: secStart,
          offsetWithinAddressSpace: fr.start + (secStart - fr.offsetInRegion),
          size: secEnd - secStart,
        });
      }
    }
  }
}
