/**
 * Property tests of the topology core against naive oracles: rendering vs a
 * per-address lookup that follows memory.rst's visibility rules, the diff vs
 * the views it connects, simplify's idempotence, and replay of recorded
 * sessions through JSON lines.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryTopologyError } from '../errors.js';
import { deliverFlatViewDiff, deliverTopologyOps } from '../listener/ListenerRegistry.js';
import type { MemoryListener, MemoryRegionSection } from '../listener/MemoryListener.js';
import { eventsFromJsonLines, eventsToJsonLines } from '../topology/events.js';
import { MemorySystem } from '../topology/MemorySystem.js';
import type { TopologyState } from '../topology/state.js';
import type { FlatRange, FlatView, RegionState } from '../topology/types.js';
import { applyTopologyOps, diffFlatViews } from './diff.js';
import { renderFlatView } from './render.js';
import { canMerge, simplifyFlatRanges } from './simplify.js';
import { callLog } from './testing/callLog.js';

const ROOT_SIZE = 96n;
const SPAN = 112; // addresses checked: a little past the root's end

/** One region of a random tree, built in order; picks refer to earlier regions. */
interface RegionSpec {
  kind: 'container' | 'ram' | 'io' | 'rom' | 'alias';
  size: number;
  /** Index (mod count) of an earlier region to map into, or null to leave unmapped. */
  parent: number | null;
  addr: number;
  priority: number | null;
  enabled: boolean;
  readonly: boolean;
  nonvolatile: boolean;
  target: number;
  offset: number;
}

const regionSpec: fc.Arbitrary<RegionSpec> = fc.record({
  kind: fc.constantFrom('container', 'container', 'ram', 'io', 'rom', 'alias', 'alias'),
  size: fc.integer({ min: 0, max: 64 }),
  parent: fc.option(fc.nat(), { freq: 6 }),
  addr: fc.integer({ min: 0, max: 80 }),
  priority: fc.option(fc.integer({ min: -2, max: 2 }), { freq: 2 }),
  enabled: fc.integer({ min: 0, max: 4 }).map((n) => n !== 0),
  readonly: fc.integer({ min: 0, max: 7 }).map((n) => n === 0),
  nonvolatile: fc.integer({ min: 0, max: 7 }).map((n) => n === 0),
  target: fc.nat(),
  offset: fc.integer({ min: 0, max: 40 }),
});

/**
 * Builds the tree through the public API. Invalid steps (an alias cycle, a
 * zero-size RAM) throw typed errors; they are skipped, which also checks that
 * a rejected call leaves a usable system behind.
 */
function build(specs: readonly RegionSpec[], tcg = false): MemorySystem {
  const m = new MemorySystem({ tcg });
  m.createContainer({ id: 'r0', name: 'root', size: ROOT_SIZE });
  const ids = ['r0'];
  specs.forEach((s, i) => {
    const id = `r${i + 1}`;
    const opts = { id, name: `${s.kind}${i + 1}`, size: BigInt(s.size) };
    try {
      switch (s.kind) {
        case 'container':
          m.createContainer(opts);
          break;
        case 'ram':
          m.createRam({ ...opts, size: BigInt(Math.max(1, s.size)) });
          break;
        case 'io':
          m.createIo(opts);
          break;
        case 'rom':
          m.createRom({ ...opts, size: BigInt(Math.max(1, s.size)) });
          break;
        case 'alias':
          m.createAlias({ ...opts, target: ids[s.target % ids.length] as string, offset: BigInt(s.offset) });
          break;
      }
    } catch (e) {
      if (!(e instanceof MemoryTopologyError)) throw e;
      return;
    }
    ids.push(id);
    if (s.readonly) m.setReadonly(id, true);
    if (s.nonvolatile) m.setNonvolatile(id, true);
    if (!s.enabled) m.setEnabled(id, false);
    if (s.parent !== null) {
      const candidates = ids.slice(0, -1).filter((c) => m.state.regions[c]?.kind !== 'alias');
      const parent = candidates[s.parent % candidates.length] as string;
      try {
        m.addSubregion(parent, id, BigInt(s.addr), s.priority ?? undefined);
      } catch (e) {
        if (!(e instanceof MemoryTopologyError)) throw e;
      }
    }
  });
  return m;
}

interface Hit {
  region: string;
  offset: bigint;
  readonly: boolean;
  nonvolatile: boolean;
}

/** memory.rst "Visibility": the region an access at `addr` (relative to `mr`) selects, or null. */
function lookup(state: TopologyState, mr: RegionState, addr: bigint, ro: boolean, nv: boolean): Hit | null {
  ro = ro || mr.readonly;
  nv = nv || mr.nonvolatile;
  if (mr.alias !== null) {
    const target = state.regions[mr.alias] as RegionState;
    const a = addr + mr.aliasOffset;
    if (!target.enabled || a >= target.size) return null;
    return lookup(state, target, a, ro, nv);
  }
  for (const subId of mr.subregions) {
    const sub = state.regions[subId] as RegionState;
    if (!sub.enabled || addr < sub.addr || addr >= sub.addr + sub.size) continue;
    const hit = lookup(state, sub, addr - sub.addr, ro, nv);
    if (hit !== null) return hit;
  }
  return mr.terminates ? { region: mr.id, offset: addr, readonly: ro, nonvolatile: nv } : null;
}

function rangeAt(view: FlatView, a: bigint): FlatRange | undefined {
  return view.ranges.find((r) => a >= r.start && a < r.start + r.size);
}

function checkWellFormed(view: FlatView): void {
  for (let i = 0; i < view.ranges.length; i++) {
    const r = view.ranges[i] as FlatRange;
    expect(r.size > 0n).toBe(true);
    const next = view.ranges[i + 1];
    if (next !== undefined) {
      expect(r.start + r.size <= next.start).toBe(true);
      expect(canMerge(r, next)).toBe(false);
    }
  }
}

describe('render vs the memory.rst per-address oracle', () => {
  it('every address maps to the region, offset and flags the visibility rules select', () => {
    fc.assert(
      fc.property(fc.array(regionSpec, { minLength: 1, maxLength: 12 }), (specs) => {
        const m = build(specs);
        const state = m.state;
        const view = renderFlatView(state, 'r0');
        checkWellFormed(view);
        const root = state.regions['r0'] as RegionState;
        for (let a = 0n; a < BigInt(SPAN); a++) {
          const want = a < root.size ? lookup(state, root, a, false, false) : null;
          const got = rangeAt(view, a);
          if (want === null) {
            expect(got, `address ${a}`).toBeUndefined();
          } else {
            expect(got, `address ${a}`).toBeDefined();
            const r = got as FlatRange;
            expect({ region: r.region, offset: r.offsetInRegion + (a - r.start), readonly: r.readonly, nonvolatile: r.nonvolatile }, `address ${a}`).toEqual(want);
            expect(r.romdMode).toBe(state.regions[r.region]?.romdMode);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

/** One random mutation after the tree is built. */
type Mutation =
  | { op: 'enable'; pick: number; on: boolean }
  | { op: 'address'; pick: number; addr: number }
  | { op: 'readonly'; pick: number; on: boolean }
  | { op: 'aliasOffset'; pick: number; offset: number }
  | { op: 'size'; pick: number; size: number }
  | { op: 'log'; pick: number; on: boolean }
  | { op: 'global'; on: boolean }
  | { op: 'del'; pick: number }
  | { op: 'begin' }
  | { op: 'commit' }
  | { op: 'space'; pick: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('enable' as const), pick: fc.nat(), on: fc.boolean() }),
  fc.record({ op: fc.constant('address' as const), pick: fc.nat(), addr: fc.integer({ min: 0, max: 80 }) }),
  fc.record({ op: fc.constant('readonly' as const), pick: fc.nat(), on: fc.boolean() }),
  fc.record({ op: fc.constant('aliasOffset' as const), pick: fc.nat(), offset: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ op: fc.constant('size' as const), pick: fc.nat(), size: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('log' as const), pick: fc.nat(), on: fc.boolean() }),
  fc.record({ op: fc.constant('global' as const), on: fc.boolean() }),
  fc.record({ op: fc.constant('del' as const), pick: fc.nat() }),
  fc.constant({ op: 'begin' as const }),
  fc.constant({ op: 'commit' as const }),
  fc.record({ op: fc.constant('space' as const), pick: fc.nat() }),
);

/** Applies a mutation; invalid ones (typed errors) are skipped. */
function mutate(m: MemorySystem, mu: Mutation): void {
  const ids = Object.keys(m.state.regions).filter((id) => id !== 'r0');
  const id = 'pick' in mu && ids.length > 0 ? (ids[mu.pick % ids.length] as string) : 'r0';
  try {
    switch (mu.op) {
      case 'enable':
        m.setEnabled(id, mu.on);
        break;
      case 'address':
        m.setAddress(id, BigInt(mu.addr));
        break;
      case 'readonly':
        m.setReadonly(id, mu.on);
        break;
      case 'aliasOffset':
        m.setAliasOffset(id, BigInt(mu.offset));
        break;
      case 'size':
        m.setSize(id, BigInt(mu.size));
        break;
      case 'log':
        m.setLog(id, mu.on);
        break;
      case 'global':
        if (mu.on) m.globalDirtyLogStart();
        else m.globalDirtyLogStop();
        break;
      case 'del': {
        const c = m.state.regions[id]?.container;
        if (c != null) m.delSubregion(c, id);
        break;
      }
      case 'begin':
        m.begin();
        break;
      case 'commit':
        m.commit();
        break;
      case 'space':
        m.createAddressSpace(`space${m.addressSpaceNames().length}`, id);
        break;
    }
  } catch (e) {
    if (!(e instanceof MemoryTopologyError)) throw e;
  }
}

/** A listener mirroring the view from the add/del calls it receives. */
function mirror(): { listener: MemoryListener; ranges: Map<bigint, MemoryRegionSection> } {
  const ranges = new Map<bigint, MemoryRegionSection>();
  return {
    ranges,
    listener: {
      regionAdd: (s) => {
        expect(ranges.has(s.offsetWithinAddressSpace)).toBe(false);
        ranges.set(s.offsetWithinAddressSpace, s);
      },
      regionDel: (s) => {
        expect(ranges.get(s.offsetWithinAddressSpace)).toEqual(s);
        ranges.delete(s.offsetWithinAddressSpace);
      },
      regionNop: (s) => expect(ranges.get(s.offsetWithinAddressSpace)).toEqual(s),
    },
  };
}

describe('diff', () => {
  it('applying the diff\'s deletes and adds to the old view yields the new view; a mirroring listener tracks every view', () => {
    fc.assert(
      fc.property(
        fc.array(regionSpec, { minLength: 1, maxLength: 10 }),
        fc.array(mutation, { maxLength: 12 }),
        fc.boolean(),
        (specs, mutations, tcg) => {
          const m = build(specs, tcg);
          m.createAddressSpace('as', 'r0');
          const mir = mirror();
          m.registerListener('as', mir.listener);
          let old = m.flatView('as');
          for (const mu of mutations) {
            mutate(m, mu);
            const now = m.flatView('as');
            if (now !== old) {
              checkWellFormed(now);
              const ops = diffFlatViews(old, now);
              expect(applyTopologyOps(old, ops)).toEqual(now.ranges);
              const viaOps: string[] = [];
              const direct: string[] = [];
              const two = (log: string[]) => [
                { listener: callLog('x', log), priority: 0, addressSpace: 'as' },
                { listener: callLog('y', log), priority: 1, addressSpace: 'as' },
              ];
              deliverTopologyOps(two(viaOps), 'as', ops);
              deliverFlatViewDiff(two(direct), 'as', old, now);
              expect(direct).toEqual(viaOps);
              const firstAdd = ops.findIndex((o) => o.kind !== 'regionDel');
              if (firstAdd >= 0) expect(ops.slice(firstAdd).some((o) => o.kind === 'regionDel')).toBe(false);
              old = now;
            }
            expect([...mir.ranges.keys()].sort((a, b) => (a < b ? -1 : 1))).toEqual(m.flatView('as').ranges.map((r) => r.start));
            if (m.state.transactionDepth === 0 && now !== old) {
              expect(now.ranges).toEqual(renderFlatView(m.state, now.root).ranges);
            }
          }
          while (m.state.transactionDepth > 0) m.commit();
          expect(m.flatView('as').ranges).toEqual(renderFlatView(m.state, m.flatView('as').root).ranges);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('simplify', () => {
  const piece = fc.record({
    region: fc.constantFrom('a', 'b'),
    size: fc.integer({ min: 1, max: 8 }),
    gap: fc.constantFrom(0, 0, 0, 1),
    offsetJump: fc.constantFrom(0, 0, 0, 3),
    readonly: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
    dirtyLogMask: fc.constantFrom(0, 0, 0, 1),
  });

  it('is idempotent and keeps every address\'s region and offset', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 20 }), (pieces) => {
        let start = 0n;
        const offsets = new Map<string, bigint>();
        const ranges: FlatRange[] = pieces.map((p) => {
          start += BigInt(p.gap);
          const off = (offsets.get(p.region) ?? 0n) + BigInt(p.offsetJump);
          const r: FlatRange = {
            region: p.region,
            start,
            size: BigInt(p.size),
            offsetInRegion: off,
            dirtyLogMask: p.dirtyLogMask,
            romdMode: true,
            readonly: p.readonly,
            nonvolatile: false,
          };
          offsets.set(p.region, off + BigInt(p.size));
          start += BigInt(p.size);
          return r;
        });
        const once = simplifyFlatRanges(ranges);
        expect(simplifyFlatRanges(once)).toEqual(once);
        for (let i = 0; i + 1 < once.length; i++) expect(canMerge(once[i] as FlatRange, once[i + 1] as FlatRange)).toBe(false);
        const view = (rs: readonly FlatRange[]): FlatView => ({ root: null, ranges: rs });
        for (let a = 0n; a < start; a++) {
          const x = rangeAt(view(ranges), a);
          const y = rangeAt(view(once), a);
          expect(y === undefined).toBe(x === undefined);
          if (x !== undefined && y !== undefined) {
            expect([y.region, y.offsetInRegion + (a - y.start), y.readonly, y.dirtyLogMask]).toEqual([
              x.region,
              x.offsetInRegion + (a - x.start),
              x.readonly,
              x.dirtyLogMask,
            ]);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('replay', () => {
  it('replaying a recorded random session from JSON lines reproduces every listener call, state and FlatView', () => {
    fc.assert(
      fc.property(
        fc.array(regionSpec, { minLength: 1, maxLength: 10 }),
        fc.array(mutation, { maxLength: 15 }),
        fc.boolean(),
        (specs, mutations, tcg) => {
          const attach = (m: MemorySystem, log: string[]) => {
            m.registerListener('as', callLog('A', log), 1);
            m.registerListener('alias-as', callLog('B', log), 0);
            m.registerListener('as', callLog('C', log), -1);
          };
          const original = new MemorySystem({ tcg });
          const log1: string[] = [];
          original.createContainer({ id: 'r0', name: 'root', size: ROOT_SIZE });
          original.createAlias({ id: 'root-alias', name: 'root-alias', target: 'r0', offset: 0n, size: ROOT_SIZE });
          original.createAddressSpace('as', 'r0');
          original.createAddressSpace('alias-as', 'root-alias');
          attach(original, log1);
          original.replay(build(specs, false).eventLog.filter((e) => e.type !== 'regionCreated' || e.id !== 'r0'));
          for (const mu of mutations) mutate(original, mu);

          const text = eventsToJsonLines(original.eventLog);
          const log2: string[] = [];
          const replayed = new MemorySystem();
          let attached = false;
          replayed.events$.subscribe((e) => {
            if (!attached && e.type === 'addressSpaceCreated' && e.name === 'alias-as') {
              attach(replayed, log2);
              attached = true;
            }
          });
          replayed.replay(eventsFromJsonLines(text));
          expect(log2).toEqual(log1);
          expect(replayed.state).toEqual(original.state);
          expect(replayed.flatView('as')).toEqual(original.flatView('as'));
          expect(replayed.flatView('alias-as')).toEqual(original.flatView('alias-as'));
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('incremental rendering', () => {
  it('patching only the dirty windows gives the same views and listener calls as re-rendering everything', () => {
    fc.assert(
      fc.property(
        fc.array(regionSpec, { minLength: 1, maxLength: 12 }),
        fc.array(mutation, { maxLength: 20 }),
        fc.boolean(),
        (specs, mutations, tcg) => {
          const run = (incrementalRender: boolean): { log: string[]; views: FlatView[]; final: FlatView[] } => {
            const m = new MemorySystem({ incrementalRender });
            const log: string[] = [];
            const built = build(specs, tcg);
            m.replay(built.eventLog);
            m.createAlias({ id: 'whole', name: 'whole', target: 'r0', offset: 0n, size: ROOT_SIZE });
            m.createAlias({ id: 'part', name: 'part', target: 'r0', offset: 16n, size: 48n });
            m.createAddressSpace('as', 'r0');
            m.createAddressSpace('whole-as', 'whole');
            m.createAddressSpace('part-as', 'part');
            m.registerListener('as', callLog('A', log));
            m.registerListener('part-as', callLog('P', log));
            const views: FlatView[] = [];
            for (const mu of mutations) {
              mutate(m, mu);
              views.push(m.flatView('as'), m.flatView('whole-as'), m.flatView('part-as'));
            }
            while (m.state.transactionDepth > 0) m.commit();
            // some changes set no update pending (QEMU renders them at the next commit): force one
            if (m.state.globalDirtyLog) m.globalDirtyLogStop();
            else m.globalDirtyLogStart();
            const final = m.addressSpaceNames().map((n) => m.flatView(n));
            for (const v of final) expect(v.ranges).toEqual(renderFlatView(m.state, v.root).ranges);
            return { log, views, final };
          };
          const inc = run(true);
          const full = run(false);
          expect(inc.log).toEqual(full.log);
          expect(inc.views).toEqual(full.views);
          expect(inc.final).toEqual(full.final);
        },
      ),
      { numRuns: 300 },
    );
  });
});
