/**
 * The region table of a TopologyState: a persistent (structurally shared)
 * map from id to RegionState that reads like a plain frozen record
 * (`regions[id]`, `in`, `hasOwnProperty`, `Object.keys`, spread, JSON).
 *
 * Why: copying a 10,000-key object on every event (what Immer does to a
 * record it modifies) costs ~15 ms in V8, far above a commit's budget. The
 * table is split into shards; an update copies the shard index and one shard.
 * Immer sees the table as an opaque value (its prototype is not Object's), so
 * reducers replace it rather than draft it.
 */
import type { RegionState } from './types.js';

const SHARDS = 256;

interface Entry {
  readonly seq: number;
  readonly region: RegionState;
}

function shardOf(id: string): number {
  // FNV-1a, folded to the shard count
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % SHARDS;
}

/** The immutable data behind a region-table record. */
class RegionTableData {
  constructor(
    readonly shards: readonly (ReadonlyMap<string, Entry> | undefined)[],
    readonly size: number,
    readonly nextSeq: number,
  ) {}

  get(id: string): RegionState | undefined {
    return this.shards[shardOf(id)]?.get(id)?.region;
  }

  has(id: string): boolean {
    return this.shards[shardOf(id)]?.has(id) ?? false;
  }

  with(id: string, region: RegionState): RegionTableData {
    const s = shardOf(id);
    const shard = new Map(this.shards[s] ?? []);
    const old = shard.get(id);
    shard.set(id, { seq: old?.seq ?? this.nextSeq, region });
    const shards = this.shards.slice();
    shards[s] = shard;
    return new RegionTableData(shards, this.size + (old ? 0 : 1), old ? this.nextSeq : this.nextSeq + 1);
  }

  without(id: string): RegionTableData {
    const s = shardOf(id);
    const cur = this.shards[s];
    if (cur === undefined || !cur.has(id)) return this;
    const shard = new Map(cur);
    shard.delete(id);
    const shards = this.shards.slice();
    shards[s] = shard.size > 0 ? shard : undefined;
    return new RegionTableData(shards, this.size - 1, this.nextSeq);
  }

  /** Entries in insertion order (the order a plain record would enumerate, ids being non-numeric). */
  entries(): [string, RegionState][] {
    const all: [number, string, RegionState][] = [];
    for (const shard of this.shards) {
      if (shard === undefined) continue;
      for (const [id, e] of shard) all.push([e.seq, id, e.region]);
    }
    all.sort((a, b) => a[0] - b[0]);
    return all.map(([, id, r]) => [id, r]);
  }

  /** Visits every region in no particular order (cheaper than {@link entries}). */
  forEach(fn: (region: RegionState) => void): void {
    for (const shard of this.shards) {
      if (shard === undefined) continue;
      for (const e of shard.values()) fn(e.region);
    }
  }
}

const tables = new WeakMap<object, RegionTableData>();
/** Proxy target -> data, for Node's inspector (which shows a proxy's target, not its traps). */
const targets = new WeakMap<object, RegionTableData>();

/** Marker prototype: makes the record non-plain for Immer, and identifies tables. */
class RegionTableRecord {
  /** `console.log(state.regions)` in Node: print the regions, not the empty proxy target. */
  [Symbol.for('nodejs.util.inspect.custom')](
    _depth: number,
    options: object,
    inspect: (value: unknown, options: object) => string,
  ): string {
    const data = tables.get(this) ?? targets.get(this);
    return inspect(data === undefined ? {} : Object.fromEntries(data.entries()), options);
  }
}

function recordOf(data: RegionTableData): Readonly<Record<string, RegionState>> {
  const target = Object.create(RegionTableRecord.prototype) as object;
  const deny = (): never => {
    throw new TypeError('the region table of a TopologyState is immutable; mutate through events');
  };
  const proxy = new Proxy(target, {
    get(_t, key) {
      if (typeof key === 'symbol') return undefined;
      return data.get(key);
    },
    has(_t, key) {
      return typeof key === 'string' && data.has(key);
    },
    ownKeys() {
      return data.entries().map(([id]) => id);
    },
    getOwnPropertyDescriptor(_t, key) {
      if (typeof key === 'symbol') return undefined;
      const value = data.get(key);
      // configurable: a proxy may not report non-configurable properties its target lacks
      return value === undefined ? undefined : { value, writable: false, enumerable: true, configurable: true };
    },
    set: deny,
    deleteProperty: deny,
    defineProperty: deny,
    setPrototypeOf: deny,
  });
  tables.set(proxy, data);
  targets.set(target, data);
  return proxy as Readonly<Record<string, RegionState>>;
}

const EMPTY = recordOf(new RegionTableData(new Array<undefined>(SHARDS).fill(undefined), 0, 0));

/** An empty region table. */
export function emptyRegionTable(): Readonly<Record<string, RegionState>> {
  return EMPTY;
}

/**
 * A region table equal to `regions` with `region` stored under `id` (added
 * at the end of the enumeration order, or replaced in place). `regions` may
 * also be a plain record (it is converted). Pure.
 */
export function regionTableWith(
  regions: Readonly<Record<string, RegionState>>,
  id: string,
  region: RegionState,
): Readonly<Record<string, RegionState>> {
  return recordOf(dataOf(regions).with(id, region));
}

/** A region table equal to `regions` without `id`. Pure. */
export function regionTableWithout(
  regions: Readonly<Record<string, RegionState>>,
  id: string,
): Readonly<Record<string, RegionState>> {
  const data = dataOf(regions);
  const next = data.without(id);
  return next === data && tables.has(regions) ? regions : recordOf(next);
}

function dataOf(regions: Readonly<Record<string, RegionState>>): RegionTableData {
  const data = tables.get(regions);
  if (data !== undefined) return data;
  let d = new RegionTableData(new Array<undefined>(SHARDS).fill(undefined), 0, 0);
  for (const [id, r] of Object.entries(regions)) d = d.with(id, r);
  return d;
}

/**
 * A fast lookup function for a region table (or any plain record): skips the
 * record facade on hot paths such as rendering.
 */
export function regionLookup(regions: Readonly<Record<string, RegionState>>): (id: string) => RegionState | undefined {
  const data = tables.get(regions);
  if (data !== undefined) return (id) => data.get(id);
  return (id) => (Object.prototype.hasOwnProperty.call(regions, id) ? regions[id] : undefined);
}

/** Calls `fn` on every region of the table, in no particular order. */
export function forEachRegion(regions: Readonly<Record<string, RegionState>>, fn: (region: RegionState) => void): void {
  const data = tables.get(regions);
  if (data !== undefined) data.forEach(fn);
  else for (const r of Object.values(regions)) fn(r);
}

/** Number of regions in the table. */
export function regionCount(regions: Readonly<Record<string, RegionState>>): number {
  return tables.get(regions)?.size ?? Object.keys(regions).length;
}
