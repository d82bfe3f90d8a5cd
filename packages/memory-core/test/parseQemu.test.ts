/**
 * The QEMU `info mtree` reader: what it infers from text that leaves facts out,
 * and the typed errors (with line numbers) for text it cannot read.
 */
import { describe, expect, it } from 'vitest';
import { MtreeParseError } from '../src/mtree/MtreeParseError.js';
import { parseQemuMtree } from '../src/mtree/parseQemu.js';
import { parseFlatText } from '../src/mtree/parseFlatText.js';
import { printFlat } from '../src/mtree/printFlat.js';
import { printTree } from '../src/mtree/printTree.js';
import { loadSpec } from '../src/spec/loadSpec.js';
import type { RegionSpec } from '../src/spec/types.js';
import { MemorySystem } from '../src/topology/MemorySystem.js';

const FULL = 1n << 64n;

function texts(sys: MemorySystem): { treeD: string; tree: string; flat: string } {
  return {
    treeD: printTree(sys.state, { disabled: true }),
    tree: printTree(sys.state),
    flat: printFlat(sys.state, (as) => sys.flatView(as)),
  };
}

function regionNamed(regions: RegionSpec[], name: string): RegionSpec | undefined {
  for (const r of regions) {
    if (r.name === name) return r;
    const inner = regionNamed(r.subregions ?? [], name);
    if (inner) return inner;
  }
  return undefined;
}

function parseError(tree: string, flat?: string): MtreeParseError {
  try {
    parseQemuMtree(tree, { treeFile: 'tree.txt', flatFile: 'flat.txt', ...(flat !== undefined ? { flat } : {}) });
  } catch (e) {
    if (e instanceof MtreeParseError) return e;
    throw e;
  }
  throw new Error('expected an MtreeParseError');
}

describe('parseQemuMtree: what the flat text settles', () => {
  function sample(): MemorySystem {
    const m = new MemorySystem();
    m.createContainer({ name: 'system', size: FULL });
    m.createRam({ name: 'ram', size: 0x10000n });
    m.createAlias({ name: 'ram-ro', target: 'ram', offset: 0x1000n, size: 0x1000n });
    m.setReadonly('ram-ro', true);
    m.createAlias({ name: 'ram-rw', target: 'ram', offset: 0n, size: 0x1000n });
    m.createIo({ name: 'vga', size: 0x1000n });
    m.createIo({ name: 'vga-sub', size: 0x100n });
    m.createContainer({ name: 'bus', size: 0x1000n });
    m.createIo({ name: 'bus-dev', size: 0x100n });
    m.createContainer({ name: 'empty-bus', size: 0x1000n });
    m.addSubregion('vga', 'vga-sub', 0x100n);
    m.addSubregion('bus', 'bus-dev', 0n);
    m.addSubregion('system', 'ram-rw', 0n);
    m.addSubregion('system', 'ram-ro', 0x1000n);
    m.addSubregion('system', 'vga', 0xa000n);
    m.addSubregion('system', 'bus', 0xb000n);
    m.addSubregion('system', 'empty-bus', 0xc000n);
    m.createAddressSpace('memory', 'system');
    return m;
  }

  it('tree text alone: i/o with subregions is a container, an alias is writable', () => {
    const spec = parseQemuMtree(texts(sample()).treeD);
    expect(regionNamed(spec.regions, 'vga')?.kind).toBe('container');
    expect(regionNamed(spec.regions, 'ram-ro')?.readonly).toBeUndefined();
    expect(regionNamed(spec.regions, 'empty-bus')?.kind).toBe('io');
  });

  it('with the flat text: a region with its own ops, a container with nothing in it, a read-only alias', () => {
    const { treeD, flat } = texts(sample());
    const spec = parseQemuMtree(treeD, { flat });
    expect(regionNamed(spec.regions, 'vga')?.kind).toBe('io');
    expect(regionNamed(spec.regions, 'bus')?.kind).toBe('container');
    expect(regionNamed(spec.regions, 'empty-bus')?.kind).toBe('container');
    expect(regionNamed(spec.regions, 'ram-ro')?.readonly).toBe(true);
    expect(regionNamed(spec.regions, 'ram-rw')?.readonly).toBeUndefined();
    const again = loadSpec(spec);
    expect(texts(again)).toEqual(texts(sample()));
  });

  it('without -D: a hidden disabled region keeps its subregions under a disabled placeholder', () => {
    const m = sample();
    m.setEnabled('bus', false);
    const { tree, flat } = texts(m);
    expect(tree).not.toContain('): bus\n');
    const spec = parseQemuMtree(tree, { flat });
    const hidden = regionNamed(spec.regions, '(hidden)');
    expect(hidden).toMatchObject({ kind: 'container', enabled: false });
    expect(hidden?.subregions?.map((r) => r.name)).toEqual(['bus-dev']);
    const again = loadSpec(spec);
    expect(printTree(again.state)).toBe(tree);
    expect(printFlat(again.state, (as) => again.flatView(as))).toBe(flat);
  });

  it('equal address and priority: the list order QEMU printed is kept', () => {
    const m = new MemorySystem();
    m.createContainer({ name: 'system', size: FULL });
    for (const n of ['a', 'b', 'c']) {
      m.createIo({ name: n, size: 0x100n });
      m.addSubregion('system', n, 0x100n, 1);
    }
    m.createAddressSpace('memory', 'system');
    const { treeD, flat } = texts(m);
    expect(treeD).toMatch(/: c\n.*: b\n.*: a\n/);
    expect(texts(loadSpec(parseQemuMtree(treeD, { flat })))).toEqual(texts(m));
  });

  it('an overflowing region round-trips with its [DETECTED OVERFLOW!] prefix', () => {
    const m = new MemorySystem();
    m.createContainer({ name: 'system', size: FULL });
    m.createIo({ name: 'wrap', size: 0x2000n });
    m.addSubregion('system', 'wrap', 0xfffffffffffff000n);
    m.createAddressSpace('memory', 'system');
    const { treeD } = texts(m);
    expect(treeD).toContain('[DETECTED OVERFLOW!]     fffffffffffff000-0000000000000fff (prio 0, i/o): wrap\n');
    expect(printTree(loadSpec(parseQemuMtree(treeD)).state, { disabled: true })).toBe(treeD);
  });

  it('address spaces over an alias root name the alias target in the flat text', () => {
    const m = sample();
    m.createAlias({ name: 'sys-alias', target: 'system', offset: 0n, size: FULL });
    m.createAddressSpace('dma', 'sys-alias');
    const { treeD, flat } = texts(m);
    expect(flat).toContain(' AS "dma", root: sys-alias, alias system\n');
    expect(parseFlatText(flat)[0]!.addressSpaces).toEqual([
      { name: 'memory', root: 'system', alias: null },
      { name: 'dma', root: 'sys-alias', alias: 'system' },
    ]);
    expect(texts(loadSpec(parseQemuMtree(treeD, { flat })))).toEqual(texts(m));
  });
});

describe('parseQemuMtree: text as users capture it', () => {
  it('reads CRLF line ends (a monitor socket) and the accelerator suffix of info mtree -f under KVM', () => {
    const tree = 'address-space: memory\r\n  0000000000000000-ffffffffffffffff (prio 0, i/o): system\r\n    0000000000000000-0000000000000fff (prio 0, ram): ram\r\n\r\n';
    const flat = 'FlatView #0\r\n AS "memory", root: system\r\n Root memory region: ram\r\n  0000000000000000-0000000000000fff (prio 0, ram): ram kvm\r\n\r\n';
    expect(parseFlatText(flat)[0]!.ranges[0]!.name).toBe('ram');
    const sys = loadSpec(parseQemuMtree(tree, { flat }));
    expect(printFlat(sys.state, (as) => sys.flatView(as))).toBe(flat.replace(/\r\n/g, '\n').replace(' kvm', ''));
  });
});

describe('parseQemuMtree: malformed text', () => {
  const ROOT = '  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n';
  it.each<[string, string, number, RegExp]>([
    ['a stray line', 'hello\n', 1, /"address-space: NAME" or "memory-region: NAME"/],
    ['garbage region line', `address-space: memory\n${ROOT}    zzz\n\n`, 3, /a region line "start-end \(prio N, type\): name"/],
    ['bad type word', `address-space: memory\n${ROOT}    0000000000000000-0000000000000fff (prio 0, flash): x\n\n`, 3, /a region line/],
    ['odd indentation', `address-space: memory\n${ROOT}   0000000000000000-0000000000000fff (prio 0, i/o): x\n\n`, 3, /odd indentation of 3/],
    ['two roots', `address-space: memory\n${ROOT}${ROOT}\n`, 3, /one root region per section/],
    ['no blank line between sections', `address-space: memory\n${ROOT}memory-region: x\n`, 3, /a blank line before the next section/],
    ['no blank line at the end', `address-space: memory\n${ROOT}`, 3, /a blank line ending the last section/],
    ['alias line without offsets', `address-space: memory\n${ROOT}    0000000000000000-0000000000000fff (prio 0, i/o): alias x @y\n\n`, 3, /an alias line/],
    ['alias range of the wrong length', `address-space: memory\n${ROOT}    0000000000000000-0000000000000fff (prio 0, i/o): alias x @system 0000000000000000-0000000000000001\n\n`, 3, /as long as the region/],
    ['alias target never printed', `address-space: memory\n${ROOT}    0000000000000000-0000000000000fff (prio 0, ram): alias x @pc.ram 0000000000000000-0000000000000fff\n\n`, 3, /"memory-region: pc.ram" section/],
  ])('%s: MtreeParseError at line %#', (_what, tree, line, expected) => {
    const e = parseError(tree);
    expect(e.line).toBe(line);
    expect(e.expected).toMatch(expected);
    expect(e.message).toMatch(new RegExp(`^tree\\.txt:${line}: expected `));
  });

  const TREE = `address-space: memory\n${ROOT}\n`;
  it.each<[string, string, number, RegExp]>([
    ['no FlatView header', 'Flat #0\n', 1, /"FlatView #N"/],
    ['no AS line', 'FlatView #0\n Root memory region: system\n', 2, /' AS "name", root: region'/],
    ['garbage range', 'FlatView #0\n AS "memory", root: system\n Root memory region: system\n  nope\n\n', 4, /a FlatView range line/],
    ['unterminated block', 'FlatView #0\n AS "memory", root: system\n Root memory region: system\n', 4, /a blank line ending the FlatView block/],
    ['unknown address space', 'FlatView #0\n AS "dma", root: system\n Root memory region: system\n  No rendered FlatView\n\n', 1, /address space "dma" to be in the tree text/],
  ])('flat text, %s: MtreeParseError at line %i', (_what, flat, line, expected) => {
    const e = parseError(TREE, flat);
    expect(e.file).toBe('flat.txt');
    expect(e.line).toBe(line);
    expect(e.expected).toMatch(expected);
  });
});
