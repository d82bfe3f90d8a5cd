/**
 * QEMU's MemoryListener and MemoryRegionSection, as plain TypeScript shapes,
 * and {@link ListenerOp}: one listener callback as a record, the unit of the
 * RxJS listener API.
 */

/**
 * A window of a FlatView handed to a listener (QEMU's MemoryRegionSection,
 * built by `section_from_flat_range`). Plain data; bigints are exact.
 */
export interface MemoryRegionSection {
  /** Name of the address space whose FlatView the section comes from. */
  readonly addressSpace: string;
  /** Id of the terminating region (aliases already resolved). */
  readonly region: string;
  readonly offsetWithinRegion: bigint;
  readonly offsetWithinAddressSpace: bigint;
  readonly size: bigint;
  readonly readonly: boolean;
  readonly nonvolatile: boolean;
}

/**
 * QEMU's MemoryListener callbacks; every one is optional. Calls are
 * synchronous and ordered: `begin`, then per address space the deletions
 * (`regionDel`, in reverse listener priority) and the additions (`regionNop`,
 * `regionAdd`, `logStart` in forward order; `logStop` in reverse), then
 * `commit`. `logSync`/`logClear` are called by dirty logging
 * (`MemorySystem.syncDirtyLog` / `clearDirtyLog`), never by a topology commit.
 * A listener must not mutate the topology from inside a callback.
 */
export interface MemoryListener {
  /** For diagnostics only. */
  readonly name?: string;
  begin?(): void;
  commit?(): void;
  regionAdd?(section: MemoryRegionSection): void;
  regionDel?(section: MemoryRegionSection): void;
  regionNop?(section: MemoryRegionSection): void;
  logStart?(section: MemoryRegionSection, oldMask: number, newMask: number): void;
  logStop?(section: MemoryRegionSection, oldMask: number, newMask: number): void;
  logSync?(section: MemoryRegionSection): void;
  logClear?(section: MemoryRegionSection): void;
  logGlobalStart?(): void;
  logGlobalStop?(): void;
}

/** One listener callback as a record (what the RxJS API emits). */
export type ListenerOp =
  | { readonly type: 'begin' }
  | { readonly type: 'commit' }
  | { readonly type: 'regionAdd'; readonly section: MemoryRegionSection }
  | { readonly type: 'regionDel'; readonly section: MemoryRegionSection }
  | { readonly type: 'regionNop'; readonly section: MemoryRegionSection }
  | { readonly type: 'logStart'; readonly section: MemoryRegionSection; readonly oldMask: number; readonly newMask: number }
  | { readonly type: 'logStop'; readonly section: MemoryRegionSection; readonly oldMask: number; readonly newMask: number }
  | { readonly type: 'logSync'; readonly section: MemoryRegionSection }
  | { readonly type: 'logClear'; readonly section: MemoryRegionSection }
  | { readonly type: 'logGlobalStart' }
  | { readonly type: 'logGlobalStop' };

/** The `type` tags of {@link ListenerOp}. */
export type ListenerOpType = ListenerOp['type'];

/**
 * A MemoryListener whose every callback forwards a {@link ListenerOp} record
 * to `sink`, in call order. The bridge between QEMU-style callbacks and
 * streams.
 */
export function listenerFromSink(sink: (op: ListenerOp) => void, name?: string): MemoryListener {
  return {
    ...(name !== undefined ? { name } : {}),
    begin: () => sink({ type: 'begin' }),
    commit: () => sink({ type: 'commit' }),
    regionAdd: (section) => sink({ type: 'regionAdd', section }),
    regionDel: (section) => sink({ type: 'regionDel', section }),
    regionNop: (section) => sink({ type: 'regionNop', section }),
    logStart: (section, oldMask, newMask) => sink({ type: 'logStart', section, oldMask, newMask }),
    logStop: (section, oldMask, newMask) => sink({ type: 'logStop', section, oldMask, newMask }),
    logSync: (section) => sink({ type: 'logSync', section }),
    logClear: (section) => sink({ type: 'logClear', section }),
    logGlobalStart: () => sink({ type: 'logGlobalStart' }),
    logGlobalStop: () => sink({ type: 'logGlobalStop' }),
  };
}

/** Calls the callback of `listener` that `op` names (the inverse of {@link listenerFromSink}). */
export function dispatchListenerOp(listener: MemoryListener, op: ListenerOp): void {
  switch (op.type) {
    case 'begin':
      listener.begin?.();
      return;
    case 'commit':
      listener.commit?.();
      return;
    case 'regionAdd':
      listener.regionAdd?.(op.section);
      return;
    case 'regionDel':
      listener.regionDel?.(op.section);
      return;
    case 'regionNop':
      listener.regionNop?.(op.section);
      return;
    case 'logStart':
      listener.logStart?.(op.section, op.oldMask, op.newMask);
      return;
    case 'logStop':
      listener.logStop?.(op.section, op.oldMask, op.newMask);
      return;
    case 'logSync':
      listener.logSync?.(op.section);
      return;
    case 'logClear':
      listener.logClear?.(op.section);
      return;
    case 'logGlobalStart':
      listener.logGlobalStart?.();
      return;
    case 'logGlobalStop':
      listener.logGlobalStop?.();
      return;
  }
}
