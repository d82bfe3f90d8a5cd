/**
 * The `memvisor` command line: `mtree` prints a machine's memory map exactly as
 * QEMU 7.2's `info mtree` does; `run` boots a RISC-V guest on the `virt` machine.
 */
import { MtreeParseError, SpecSyntaxError, SpecValidationError } from '@memvisor/memory-core';
import { ElfError } from '@memvisor/tcg';
import { MTREE_USAGE, mtreeCommand } from './commands/mtree.js';
import { DIRTYRATE_USAGE, dirtyrateCommand } from './commands/dirtyrate.js';
import { RUN_USAGE, runCommand } from './commands/run.js';
import { errorReply, UnknownCommandError } from './errorReply.js';
import { InputFileError, UsageError, processIo, type CliIo } from './io.js';

export type { CliIo } from './io.js';

const indent = (text: string): string => text.replace(/^(?=.)/gm, '  ');

const USAGE = `usage:\n${indent(MTREE_USAGE)}\n${indent(RUN_USAGE)}\n${indent(DIRTYRATE_USAGE)}`;

/** Failures caused by an input (a file, its contents): exit status 1 with one line naming it. */
function isInputError(e: unknown): e is Error {
  return (
    e instanceof InputFileError ||
    e instanceof SpecSyntaxError ||
    e instanceof SpecValidationError ||
    e instanceof MtreeParseError ||
    e instanceof ElfError
  );
}

/**
 * Entry point of the `memvisor` command; returns the process exit status:
 * 0 on success (for `run`, the guest's exit code), 1 when an input is
 * unreadable or invalid (one line on stderr naming the file and line or
 * region), 2 for a usage mistake. With `--json`, a failure is instead one
 * QMP-style error reply on stdout (see `errorReply.ts`), same status.
 */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'mtree':
        return mtreeCommand(rest, io);
      case 'run':
        return runCommand(rest, io);
      case 'dirtyrate':
        return await dirtyrateCommand(rest, io);
      case '-h':
      case '--help':
        io.stdout(USAGE);
        return 0;
      default:
        throw new UnknownCommandError(command ?? '(none)');
    }
  } catch (e) {
    if (rest.includes('--json') && (e instanceof UsageError || isInputError(e))) {
      io.stdout(JSON.stringify(errorReply(e)) + '\n');
      return e instanceof UsageError ? 2 : 1;
    }
    if (e instanceof UsageError) {
      io.stderr(`memvisor: ${e.message}\n${USAGE}`);
      return 2;
    }
    if (isInputError(e)) {
      io.stderr(`memvisor: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
