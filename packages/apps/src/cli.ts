/**
 * The `memvisor` command line. Today: `memvisor mtree`, which prints a machine's
 * memory map exactly as QEMU 7.2's `info mtree` / `info mtree -f` do.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  MtreeParseError,
  SpecSyntaxError,
  SpecValidationError,
  loadSpec,
  parseQemuMtree,
  parseSpecJson,
  printFlat,
  printTree,
  type MachineSpec,
} from '@memvisor/memory-core';

/** Where the command writes; tests pass their own to capture output. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

const USAGE = `usage: memvisor mtree SPEC.json [-f] [-D] [--json]
       memvisor mtree --from-qemu TREE.txt [--flat FLAT.txt] [-f] [-D] [--json]

  -f, --flat-view   print the FlatViews (QEMU's info mtree -f) instead of the tree
  -D, --disabled    also print disabled regions (QEMU's info mtree -D)
  --from-qemu TREE  read QEMU's info mtree (or info mtree -D) text instead of a spec
  --flat FLAT       QEMU's info mtree -f text of the same machine (settles I/O vs
                    container and read-only aliases)
  --json            print the machine description (JSON) instead of the map
`;

/** A command-line mistake: exit status 2 with the usage text. */
class UsageError extends Error {}

/** A file that cannot be read: exit status 1. */
class InputFileError extends Error {}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new InputFileError(`${file}: cannot read: ${why}`);
  }
}

function mtree(args: string[], io: CliIo): number {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        'flat-view': { type: 'boolean', short: 'f' },
        disabled: { type: 'boolean', short: 'D' },
        'from-qemu': { type: 'string' },
        flat: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const fromQemu = values['from-qemu'];
  if (fromQemu !== undefined && positionals.length > 0) {
    throw new UsageError(`give either SPEC.json or --from-qemu TREE.txt, not both (got ${positionals.join(' ')})`);
  }
  if (fromQemu === undefined && positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'missing SPEC.json' : `one SPEC.json expected, got ${positionals.length}`);
  }
  if (values.flat !== undefined && fromQemu === undefined) {
    throw new UsageError('--flat FLAT.txt goes with --from-qemu TREE.txt');
  }

  let spec: MachineSpec;
  let file: string;
  if (fromQemu !== undefined) {
    file = fromQemu;
    spec = parseQemuMtree(readText(fromQemu), {
      treeFile: fromQemu,
      ...(values.flat !== undefined ? { flat: readText(values.flat), flatFile: values.flat } : {}),
    });
  } else {
    file = positionals[0]!;
    spec = parseSpecJson(readText(file), file);
  }
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

/**
 * Entry point of the `memvisor` command; returns the process exit status:
 * 0 on success, 1 when an input is unreadable or invalid (one line on stderr
 * naming the file and line or region), 2 for a usage mistake.
 */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'mtree':
        return mtree(rest, io);
      case '-h':
      case '--help':
        io.stdout(USAGE);
        return 0;
      default:
        throw new UsageError(`unknown command ${command ?? '(none)'}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`memvisor: ${e.message}\n${USAGE}`);
      return 2;
    }
    if (
      e instanceof InputFileError ||
      e instanceof SpecSyntaxError ||
      e instanceof SpecValidationError ||
      e instanceof MtreeParseError
    ) {
      io.stderr(`memvisor: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
