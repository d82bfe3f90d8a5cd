/**
 * QEMU's own view → a machine description: reads `info mtree` text (with or
 * without `-D`) and, optionally, the `info mtree -f` text of the same machine,
 * and builds the {@link MachineSpec} that prints the same.
 */
import { formatHex } from '../spec/hex.js';
import { MACHINE_SPEC_FORMAT, type MachineSpec, type RegionSpec } from '../spec/types.js';
import { MtreeParseError } from './MtreeParseError.js';
import { parseFlatText, type FlatTextView } from './parseFlatText.js';
import { parseTreeText, type TreeTextNode, type TreeTextSection } from './parseTreeText.js';

/** Inputs of {@link parseQemuMtree} besides the tree text. */
export interface ParseQemuOptions {
  /** `info mtree -f` text of the same QEMU run; settles container-vs-I/O and read-only aliases. */
  flat?: string;
  /** File names for error messages. */
  treeFile?: string;
  flatFile?: string;
  /** Copied into the description's `name` / `source`. */
  name?: string;
  source?: string;
}

interface Node extends TreeTextNode {
  id: string;
  section: TreeTextSection;
  target: Node | null;
  kind: RegionSpec['kind'];
  readonly: boolean;
}

/**
 * Builds a machine description from QEMU 7.2 `info mtree` text.
 *
 * What the text leaves out is filled in as follows (see docs/spec-format.md):
 * - a region printed as `i/o` that has subregions is a container, unless the flat
 *   text shows ranges of it (then it has its own ops: kind `io`); a leaf `i/o` is
 *   kind `io`, unless the flat text is given, the region can be reached through
 *   enabled regions from an address space, and no range of it is rendered (then
 *   it is a container with nothing in it);
 * - an alias is read-only when the flat text shows as `rom` a range, within the
 *   alias, of a region that is not ROM;
 * - `memory-region:` sections that print a region already printed elsewhere (same
 *   name, place and subtree) are that region; others are regions mapped nowhere;
 * - without `-D`, a disabled region is not printed at all: its subregions are
 *   kept under a disabled placeholder container named `(hidden)`;
 * - a range of one address (`a-a`) is read as size 1 (QEMU prints size 0 alike);
 * - subregions are listed in an order that reproduces QEMU's list order among
 *   equal address and priority; address spaces are in the flat text's order
 *   (QEMU's creation order), else in the tree text's order.
 *
 * Throws {@link MtreeParseError} (line number, line, what was expected) for text
 * it cannot read or that does not hold together.
 */
export function parseQemuMtree(treeText: string, options: ParseQemuOptions = {}): MachineSpec {
  const treeFile = options.treeFile ?? null;
  const sections = parseTreeText(treeText, treeFile);
  const flat = options.flat !== undefined ? parseFlatText(options.flat, options.flatFile ?? null) : null;

  // A hidden (disabled) section root is named by its section header, or by the flat text's `root:`.
  for (const s of sections) {
    if (!s.root?.placeholder) continue;
    if (s.kind === 'memory-region') s.root.name = s.names[0]!;
    else {
      const as = flat?.flatMap((v) => v.addressSpaces).find((a) => s.names.includes(a.name));
      if (as) s.root.name = as.root;
    }
  }

  const all: Node[] = [];
  const adopt = (n: TreeTextNode, section: TreeTextSection): Node => {
    const node = n as Node;
    node.section = section;
    node.target = null;
    node.readonly = false;
    node.kind = 'container';
    node.id = '';
    all.push(node);
    for (const c of n.children) adopt(c, section);
    return node;
  };
  for (const s of sections) if (s.root) adopt(s.root, s);

  const sigCache = new Map<Node, string>();
  const sig = (n: Node): string => {
    let v = sigCache.get(n);
    if (v === undefined) {
      const a = n.alias ? `@${n.alias.target}+${n.alias.offset}` : '';
      v = `${n.addr}|${n.size}|${n.priority}|${n.type}|${n.nonvolatile}|${n.disabled}|${n.placeholder}|${n.name}|${a}[${(n.children as Node[]).map(sig).join(',')}]`;
      sigCache.set(n, v);
    }
    return v;
  };

  // A memory-region section prints the alias target; it is the region printed elsewhere if one matches.
  const resolvedSection = new Map<TreeTextSection, Node>();
  const unmapped: Node[] = [];
  for (const s of sections) {
    if (s.kind !== 'memory-region' || !s.root) continue;
    const root = s.root as Node;
    const want = sig(root);
    const match = all.find(
      (n) =>
        n.section !== s &&
        n.name === root.name &&
        !(n.section.kind === 'memory-region' && n.parent === null) &&
        sig(n) === want,
    );
    if (match) resolvedSection.set(s, match);
    else {
      resolvedSection.set(s, root);
      unmapped.push(root);
    }
  }
  const live = new Set<Node>();
  const markLive = (n: Node): void => {
    live.add(n);
    for (const c of n.children as Node[]) markLive(c);
  };
  for (const s of sections) {
    if (s.kind === 'address-space' && s.root) markLive(s.root as Node);
  }
  for (const n of unmapped) markLive(n);

  for (const n of all) {
    if (!live.has(n) || !n.alias) continue;
    const candidates = sections
      .filter((s) => s.kind === 'memory-region' && s.names[0] === n.alias!.target && s.root)
      .map((s) => resolvedSection.get(s)!);
    const fits = candidates.filter((t) => n.alias!.offset + n.size <= t.size && t.type === n.type);
    const target = fits[0] ?? candidates[0] ?? [...live].find((t) => t.name === n.alias!.target && !t.placeholder);
    if (!target) {
      throw new MtreeParseError(
        treeFile,
        n.line,
        (treeText.split('\n')[n.line - 1] ?? '').trimEnd(),
        `a "memory-region: ${n.alias.target}" section printing the target of alias "${n.name}"`,
      );
    }
    n.target = liveTwin(target, resolvedSection);
  }

  const liveNodes = all.filter((n) => live.has(n));
  decideKinds(liveNodes, sections, flat);
  assignIds(liveNodes);

  const toSpec = (n: Node): RegionSpec => {
    const r: RegionSpec = { name: n.name, kind: n.kind, size: formatHex(n.size) };
    if (n.id !== n.name) r.id = n.id;
    if (n.addr !== 0n) r.addr = formatHex(n.addr);
    if (n.priority !== 0) r.priority = n.priority;
    if (n.disabled) r.enabled = false;
    if (n.readonly) r.readonly = true;
    if (n.nonvolatile) r.nonvolatile = true;
    if (n.type === 'ramd' && n.kind === 'ram') r.ramDevice = true;
    if (n.kind === 'alias') {
      r.alias = n.target!.id;
      if (n.alias!.offset !== 0n) r.aliasOffset = formatHex(n.alias!.offset);
    }
    if (n.children.length > 0 && n.kind !== 'alias') r.subregions = addOrder(n.children as Node[]).map(toSpec);
    return r;
  };

  const asRoots = new Map<string, Node>();
  const topLevel: Node[] = [];
  for (const s of sections) {
    if (s.kind !== 'address-space') continue;
    if (!s.root) {
      throw new MtreeParseError(treeFile, s.line, `address-space: ${s.names[0]}`, 'a root region line after the address-space header (use info mtree -D)');
    }
    topLevel.push(s.root as Node);
    for (const name of s.names) asRoots.set(name, s.root as Node);
  }
  topLevel.push(...unmapped);

  let order = [...asRoots.keys()];
  if (flat) {
    const fromFlat: string[] = [];
    for (const v of flat) {
      for (const as of v.addressSpaces) {
        if (!asRoots.has(as.name)) {
          throw new MtreeParseError(options.flatFile ?? null, v.line, `FlatView #${v.number}`, `address space "${as.name}" to be in the tree text too (are both from the same machine?)`);
        }
        fromFlat.push(as.name);
      }
    }
    order = [...fromFlat, ...order.filter((n) => !fromFlat.includes(n))];
  }

  const spec = { format: MACHINE_SPEC_FORMAT } as MachineSpec;
  if (options.name !== undefined) spec.name = options.name;
  if (options.source !== undefined) spec.source = options.source;
  spec.regions = topLevel.map(toSpec);
  spec.addressSpaces = order.map((name) => ({ name, root: asRoots.get(name)!.id }));
  return spec;
}

/**
 * A node of a `memory-region:` section that turned out to print a region shown
 * elsewhere stands for the same place in that region's tree.
 */
function liveTwin(n: Node, resolvedSection: Map<TreeTextSection, Node>): Node {
  const path: number[] = [];
  let top: Node = n;
  while (top.parent) {
    path.unshift(top.parent.children.indexOf(top));
    top = top.parent as Node;
  }
  const resolved = top.section.kind === 'memory-region' ? resolvedSection.get(top.section) : undefined;
  if (!resolved || resolved === top) return n;
  let twin = liveTwin(resolved, resolvedSection);
  for (const i of path) twin = twin.children[i] as Node;
  return twin;
}

/**
 * The order to add siblings in so QEMU's list (priority descending, later-added
 * first among equals) prints as the text did: text order, except that a run of
 * siblings with the same address and priority (printed in list order) is
 * reversed.
 */
function addOrder(children: Node[]): Node[] {
  const out: Node[] = [];
  let i = 0;
  while (i < children.length) {
    let j = i + 1;
    while (j < children.length && children[j]!.addr === children[i]!.addr && children[j]!.priority === children[i]!.priority) j++;
    out.push(...children.slice(i, j).reverse());
    i = j;
  }
  return out;
}

function assignIds(nodes: Node[]): void {
  const seen = new Map<string, number>();
  for (const n of nodes) {
    const count = (seen.get(n.name) ?? 0) + 1;
    seen.set(n.name, count);
    n.id = count === 1 ? n.name : `${n.name}#${count}`;
  }
  // A generated "name#2" must not collide with a region literally named so.
  const used = new Set<string>();
  for (const n of nodes) {
    let id = n.id;
    let k = 2;
    while (used.has(id)) id = `${n.name}#${seen.get(n.name)! + k++}`;
    n.id = id;
    used.add(id);
  }
}

function decideKinds(nodes: Node[], sections: TreeTextSection[], flat: FlatTextView[] | null): void {
  const flatTypes = new Map<string, Set<string>>();
  for (const v of flat ?? []) {
    for (const r of v.ranges) {
      let set = flatTypes.get(r.name);
      if (!set) flatTypes.set(r.name, (set = new Set()));
      set.add(r.type);
    }
  }
  const reachable = new Set<Node>();
  const visit = (n: Node): void => {
    if (n.disabled || reachable.has(n)) return;
    reachable.add(n);
    if (n.target) visit(n.target);
    else for (const c of n.children as Node[]) visit(c);
  };
  for (const s of sections) if (s.kind === 'address-space' && s.root) visit(s.root as Node);

  for (const n of nodes) {
    if (n.alias) {
      n.kind = 'alias';
      continue;
    }
    if (n.placeholder) {
      n.kind = 'container';
      continue;
    }
    switch (n.type) {
      case 'ram':
      case 'ramd':
        n.kind = 'ram';
        break;
      case 'rom':
        n.kind = 'rom';
        break;
      case 'romd':
        n.kind = 'romDevice';
        break;
      case 'i/o': {
        const rendered = flatTypes.has(n.name);
        if (n.children.length > 0) n.kind = flat && rendered && reachable.has(n) ? 'io' : 'container';
        else n.kind = flat && reachable.has(n) && !rendered ? 'container' : 'io';
        break;
      }
    }
  }
  if (!flat) return;

  // Read-only aliases: the alias line shows the target's type, the FlatView shows "rom".
  const viewOf = new Map<string, FlatTextView>();
  for (const v of flat) for (const as of v.addressSpaces) viewOf.set(as.name, v);
  for (const n of nodes) {
    if (!n.alias || !reachable.has(n) || n.section.kind !== 'address-space') continue;
    // Ranges of regions under the alias that are not ROM; shown as "rom" only if the alias is read-only.
    const names = new Set<string>();
    const collect = (t: Node): void => {
      if (!t.alias && t.type !== 'rom') names.add(t.name);
      if (t.target) collect(t.target);
      else for (const c of t.children as Node[]) collect(c);
    };
    collect(n.target!);
    for (const asName of n.section.names) {
      const v = viewOf.get(asName);
      if (!v) continue;
      if (v.ranges.some((r) => r.type === 'rom' && names.has(r.name) && r.start >= n.start && r.start <= n.end)) {
        n.readonly = true;
      }
    }
  }
}
