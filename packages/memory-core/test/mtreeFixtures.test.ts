import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../src/spec/loadSpec.js';
import { parseQemuMtree } from '../src/mtree/parseQemu.js';
import { printTree } from '../src/mtree/printTree.js';
import { printFlat } from '../src/mtree/printFlat.js';
import { parseFlatText } from '../src/mtree/parseFlatText.js';
import { parseTreeText } from '../src/mtree/parseTreeText.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../../tools/qemu-fixtures/7.2');
const MACHINES = readdirSync(FIXTURES).filter((d) => statSync(join(FIXTURES, d)).isDirectory()).sort();

function fixture(machine: string, file: string): string {
  return readFileSync(join(FIXTURES, machine, file), 'utf8');
}

/** FlatView blocks with the `#N` QEMU numbered them in hash-table order taken out, sorted. */
function flatBlocks(text: string): string[] {
  return parseFlatText(text)
    .map((v) => v.text.replace(/^FlatView #\d+\n/, 'FlatView #N\n'))
    .sort();
}

function treeBlocks(text: string): string[] {
  return parseTreeText(text)
    .map((s) => s.text)
    .sort();
}

describe.each(MACHINES)('QEMU 7.2 fixture %s', (machine) => {
  const treeD = fixture(machine, 'mtree-D.txt');
  const tree = fixture(machine, 'mtree.txt');
  const flat = fixture(machine, 'mtree-f.txt');

  it('info mtree -D text → spec → info mtree and -D, byte for byte', () => {
    const sys = loadSpec(parseQemuMtree(treeD));
    expect(printTree(sys.state, { disabled: true })).toBe(treeD);
    expect(printTree(sys.state)).toBe(tree);
  });

  it('info mtree -D + -f text → spec → info mtree -f, byte for byte (FlatView blocks as a set)', () => {
    const sys = loadSpec(parseQemuMtree(treeD, { flat }));
    const printed = printFlat(sys.state, (as) => sys.flatView(as));
    expect(flatBlocks(printed)).toEqual(flatBlocks(flat));
    // The spec lists address spaces in the flat text's order, so the whole text matches too.
    expect(printed).toBe(flat);
  });

  it('the tree printed from the tree+flat spec has the same blocks as QEMU', () => {
    const sys = loadSpec(parseQemuMtree(treeD, { flat }));
    expect(treeBlocks(printTree(sys.state, { disabled: true }))).toEqual(treeBlocks(treeD));
  });

  it('info mtree text without -D → spec → the same info mtree blocks', () => {
    const sys = loadSpec(parseQemuMtree(tree, { flat }));
    // Without -D a disabled alias is not printed, yet QEMU still prints its target's
    // memory-region section; text that no printed alias explains cannot be rebuilt.
    const referenced = new Set([...tree.matchAll(/: alias .*? @(.*) [0-9a-f]{16}-/g)].map((m) => m[1]));
    const explained = treeBlocks(tree).filter((b) => {
      const m = /^memory-region: (.*)\n/.exec(b);
      return !m || referenced.has(m[1]);
    });
    expect(treeBlocks(printTree(sys.state))).toEqual(explained);
    expect(flatBlocks(printFlat(sys.state, (as) => sys.flatView(as)))).toEqual(flatBlocks(flat));
  });
});
