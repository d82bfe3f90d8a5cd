/**
 * Round trip through QEMU's text: random machines are printed as `info mtree -D`
 * and `info mtree -f`, read back with the QEMU parser, loaded again and printed
 * again; both prints must match (the tree as a set of sections, since the
 * parser orders address spaces by the flat text). Also: a description survives
 * JSON serialisation unchanged.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseQemuMtree } from '../src/mtree/parseQemu.js';
import { parseTreeText } from '../src/mtree/parseTreeText.js';
import { printFlat } from '../src/mtree/printFlat.js';
import { printTree } from '../src/mtree/printTree.js';
import { loadSpec } from '../src/spec/loadSpec.js';
import { parseSpecJson } from '../src/spec/parseSpecJson.js';
import type { MachineSpec, RegionSpec, RegionSpecKind } from '../src/spec/types.js';
import type { MemorySystem } from '../src/topology/MemorySystem.js';

const hex = (n: number): string => `0x${n.toString(16)}`;

const poolOp = fc.record({
  kind: fc.constantFrom<RegionSpecKind>('ram', 'rom', 'io', 'container'),
  size: fc.integer({ min: 1, max: 16 }),
  children: fc.array(fc.record({ kind: fc.constantFrom<RegionSpecKind>('ram', 'io', 'rom'), at: fc.integer({ min: 0, max: 3 }) }), { maxLength: 2 }),
});

const treeOp = fc.record({
  parent: fc.nat(),
  kind: fc.constantFrom<RegionSpecKind>('container', 'ram', 'rom', 'io', 'romDevice', 'reservation', 'alias', 'alias'),
  size: fc.integer({ min: 1, max: 8 }),
  jitter: fc.boolean(),
  overlay: fc.boolean(),
  priority: fc.option(fc.integer({ min: -2, max: 3 }), { nil: undefined }),
  enabled: fc.double({ min: 0, max: 1, noNaN: true }).map((x) => x > 0.2),
  readonly: fc.boolean(),
  romd: fc.boolean(),
  nonvolatile: fc.double({ min: 0, max: 1, noNaN: true }).map((x) => x > 0.9),
  target: fc.nat(),
  offset: fc.integer({ min: 0, max: 4 }),
});

const machineArb = fc
  .record({
    pool: fc.array(poolOp, { minLength: 1, maxLength: 3 }),
    tree: fc.array(treeOp, { maxLength: 24 }),
    dmaAlias: fc.boolean(),
    emptyAs: fc.boolean(),
  })
  .map(({ pool, tree, dmaAlias, emptyAs }): MachineSpec => {
    const top: RegionSpec[] = [];
    const targets: RegionSpec[] = [];
    pool.forEach((p, i) => {
      const r: RegionSpec = { name: `pool${i}`, kind: p.kind, size: hex(p.size * 0x1000) };
      if (p.kind === 'container') {
        r.subregions = p.children.map((c, j) => ({ name: `pool${i}.${j}`, kind: c.kind, size: '0x400', addr: hex(c.at * 0x400) }));
        targets.push(...r.subregions);
      }
      top.push(r);
      targets.push(r);
    });
    const system: RegionSpec = { name: 'system', kind: 'container', size: '0x10000000000000000', subregions: [] };
    const containers: RegionSpec[] = [system];
    let overlayPriority = 10;
    tree.forEach((op, i) => {
      const parent = containers[op.parent % containers.length]!;
      parent.subregions ??= [];
      const slot = parent.subregions.length;
      // Siblings never overlap at equal priority (their order would not be visible in the text).
      const size = op.jitter ? Math.min(op.size, 4) * 0x200 : op.size * 0x200;
      const r: RegionSpec = {
        name: `r${i}`,
        kind: op.kind,
        size: hex(size),
        addr: hex(slot * 0x1000 + (op.jitter ? 0x800 : 0)),
      };
      if (op.overlay) r.priority = overlayPriority++;
      else if (op.priority !== undefined) r.priority = op.priority;
      if (!op.enabled) r.enabled = false;
      if (op.kind === 'alias') {
        const target = targets[op.target % targets.length]!;
        r.alias = target.id ?? target.name;
        r.aliasOffset = hex(op.offset * 0x100);
        if (op.readonly) r.readonly = true;
      }
      if (op.kind === 'romDevice' && !op.romd) r.romd = false;
      if (op.kind === 'ram' && op.nonvolatile) r.nonvolatile = true;
      parent.subregions.push(r);
      if (op.kind === 'container' && containers.length < 6) containers.push(r);
    });
    top.unshift(system);
    const spec: MachineSpec = { format: 'memvisor-machine/1', regions: top, addressSpaces: [{ name: 'memory', root: 'system' }] };
    spec.addressSpaces.push({ name: 'pool', root: 'pool0' });
    if (dmaAlias) {
      top.push({ name: 'dma-window', kind: 'alias', size: '0x10000000000000000', alias: 'system' });
      spec.addressSpaces.push({ name: 'dma', root: 'dma-window' });
    }
    if (emptyAs) {
      top.push({ name: 'nothing', kind: 'container', size: '0x1000' });
      spec.addressSpaces.push({ name: 'empty', root: 'nothing' });
    }
    return spec;
  });

function prints(sys: MemorySystem): { tree: string[]; flat: string } {
  return {
    tree: parseTreeText(printTree(sys.state, { disabled: true })).map((s) => s.text).sort(),
    flat: printFlat(sys.state, (as) => sys.flatView(as)),
  };
}

describe('round trip through QEMU text', () => {
  it('print -D and -f, parse, load, print: the same text', () => {
    fc.assert(
      fc.property(machineArb, (spec) => {
        const original = loadSpec(spec);
        const treeD = printTree(original.state, { disabled: true });
        const flat = printFlat(original.state, (as) => original.flatView(as));
        const again = loadSpec(parseQemuMtree(treeD, { flat }));
        expect(prints(again)).toEqual(prints(original));
      }),
      { numRuns: 200 },
    );
  });

  it('a description survives JSON: parse(stringify(spec)) loads to the same prints', () => {
    fc.assert(
      fc.property(machineArb, (spec) => {
        const back = parseSpecJson(JSON.stringify(spec));
        expect(back).toEqual(spec);
        expect(prints(loadSpec(back))).toEqual(prints(loadSpec(spec)));
      }),
      { numRuns: 50 },
    );
  });
});
