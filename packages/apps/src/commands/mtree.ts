/**
 * `memvisor mtree`: prints a machine's memory map exactly as QEMU 7.2's
 * `info mtree` / `info mtree -f` do, from a machine description or from
 * QEMU's own `info mtree` text.
 */
import {
  loadSpec,
  parseQemuMtree,
  parseSpecJson,
  printFlat,
  printTree,
  type MachineSpec,
} from '@memvisor/memory-core';
import { UsageError, onePositional, parseCommandArgs, readText, type CliIo } from '../io.js';

/** Usage text of `memvisor mtree`. */
export const MTREE_USAGE = `memvisor mtree SPEC.json [-f] [-D] [--json]
memvisor mtree --from-qemu TREE.txt [--flat FLAT.txt] [-f] [-D] [--json]

  -f, --flat-view   print the FlatViews (QEMU's info mtree -f) instead of the tree
  -D, --disabled    also print disabled regions (QEMU's info mtree -D)
  --from-qemu TREE  read QEMU's info mtree (or info mtree -D) text instead of a spec
  --flat FLAT       QEMU's info mtree -f text of the same machine (settles I/O vs
                    container and read-only aliases)
  --json            print the machine description (JSON) instead of the map
`;

/** Runs `memvisor mtree ARGS`; returns the exit status. */
export function mtreeCommand(args: string[], io: CliIo): number {
  const parsed = parseCommandArgs(
    args,
    {
      'flat-view': { type: 'boolean', short: 'f' },
      disabled: { type: 'boolean', short: 'D' },
      'from-qemu': { type: 'string' },
      flat: { type: 'string' },
      json: { type: 'boolean' },
    },
    MTREE_USAGE,
    io,
  );
  if (parsed === null) return 0;
  const { values, positionals } = parsed;
  const fromQemu = values['from-qemu'];
  if (fromQemu !== undefined && positionals.length > 0) {
    throw new UsageError(`give either SPEC.json or --from-qemu TREE.txt, not both (got ${positionals.join(' ')})`);
  }
  // Usage errors before any file is read.
  const file = fromQemu ?? onePositional(positionals, 'SPEC.json');
  if (values.flat !== undefined && fromQemu === undefined) {
    throw new UsageError('--flat FLAT.txt goes with --from-qemu TREE.txt');
  }

  const spec: MachineSpec =
    fromQemu !== undefined
      ? parseQemuMtree(readText(fromQemu), {
          treeFile: fromQemu,
          ...(values.flat !== undefined ? { flat: readText(values.flat), flatFile: values.flat } : {}),
        })
      : parseSpecJson(readText(file), file);
  if (values.json) {
    io.stdout(JSON.stringify(spec, null, 2) + '\n');
    return 0;
  }
  const system = loadSpec(spec, { file });
  io.stdout(
    values['flat-view']
      ? printFlat(system.state, (as) => system.flatView(as))
      : printTree(system.state, { disabled: values.disabled ?? false }),
  );
  return 0;
}

