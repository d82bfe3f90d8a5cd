/**
 * What every command shares: where output goes, the two kinds of command-line
 * failure, and reading an input file with a message that names it.
 */
import { MemvisorError } from '@memvisor/memory-core';
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Where the command writes; tests pass their own to capture output. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** The process's stdout and stderr. */
export const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/** A command-line mistake: exit status 2 with the usage text. */
export class UsageError extends MemvisorError {
  readonly kind: string = 'usage';
}

/** A file that cannot be read: exit status 1. */
export class InputFileError extends MemvisorError {
  readonly kind = 'input-file';
}

/** Reads `file` with `read`; an unreadable file becomes an {@link InputFileError} naming it. */
function readInput<T>(file: string, read: (file: string) => T): T {
  try {
    return read(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new InputFileError(`${file}: cannot read: ${why}`);
  }
}

/** Reads a text file; an unreadable one becomes an {@link InputFileError} naming it. */
export function readText(file: string): string {
  return readInput(file, (f) => readFileSync(f, 'utf8'));
}

/** The one file argument a command takes (`what` names it in messages, e.g. `GUEST.elf`). */
export function onePositional(positionals: readonly string[], what: string): string {
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? `missing ${what}` : `one ${what} expected, got ${positionals.length}`);
  }
  return positionals[0]!;
}

/** The `--engine` option of the guest commands: `jit` (default) or `interp`. */
export function parseEngine(value: string | undefined): 'jit' | 'interp' {
  const engine = value ?? 'jit';
  if (engine !== 'jit' && engine !== 'interp') throw new UsageError(`--engine must be jit or interp, not ${engine}`);
  return engine;
}

/** Reads a binary file (a guest ELF); an unreadable one becomes an {@link InputFileError} naming it. */
export function readBinary(file: string): Uint8Array {
  return readInput(file, (f) => new Uint8Array(readFileSync(f)));
}

/**
 * Parses a command's arguments strictly (plus `-h`/`--help`); an unknown or
 * malformed option becomes a {@link UsageError}. Returns null when help was
 * asked for, after printing `usage`.
 */
export function parseCommandArgs<O extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: O,
  usage: string,
  io: CliIo,
): { values: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>['values']; positionals: string[] } | null {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, strict: true, options: { ...options, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if ((parsed.values as { help?: boolean }).help) {
    io.stdout(usage);
    return null;
  }
  return parsed as never;
}
