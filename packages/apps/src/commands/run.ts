/**
 * `memvisor run`: boots a RISC-V ELF on memvisor's `virt` machine, like
 * `qemu-system-riscv32 -M virt -bios none -kernel GUEST.elf -nographic`: the
 * guest's UART goes to stdout and the SiFive test finisher's code becomes the
 * exit status.
 */
import { formatTb, runElfBytes } from '@memvisor/tcg';
import { UsageError, onePositional, parseCommandArgs, parseEngine, readBinary, type CliIo } from '../io.js';

/** Usage text of `memvisor run`. */
export const RUN_USAGE = `memvisor run GUEST.elf [--engine jit|interp] [--max-insns N] [--trace] [--json]

  --engine E        jit (translation blocks compiled to JavaScript, default) or
                    interp (the reference interpreter)
  --max-insns N     stop once N guest instructions have run (the JIT finishes
                    the block it is in); exit status 1 if the guest has not
                    exited by then
  --trace           print every translation block to stderr as it is made
  --json            print {reason, exitStatus, instret, output} instead of the
                    guest's output
`;

/** Runs `memvisor run ARGS`; returns the exit status (the guest's, or 1 if it did not exit). */
export function runCommand(args: string[], io: CliIo): number {
  const parsed = parseCommandArgs(
    args,
    {
      engine: { type: 'string' },
      'max-insns': { type: 'string' },
      trace: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    RUN_USAGE,
    io,
  );
  if (parsed === null) return 0;
  const { values, positionals } = parsed;
  const file = onePositional(positionals, 'GUEST.elf');
  const engine = parseEngine(values.engine);
  let maxInsns: number | undefined;
  if (values['max-insns'] !== undefined) {
    maxInsns = Number(values['max-insns']);
    if (!Number.isSafeInteger(maxInsns) || maxInsns < 0) {
      throw new UsageError(`--max-insns takes a whole number, not ${values['max-insns']}`);
    }
  }
  const bytes = readBinary(file);
  const result = runElfBytes(bytes, {
    engine,
    ...(maxInsns !== undefined ? { maxInsns } : {}),
    ...(values.json ? {} : { stdout: (text: string) => io.stdout(text) }),
    ...(values.trace ? { trace: (tb) => io.stderr(formatTb(tb) + '\n') } : {}),
  });
  if (values.json) {
    const { reason, exitStatus, instret, output } = result;
    io.stdout(JSON.stringify({ reason, exitStatus, instret, output }, null, 2) + '\n');
  } else if (result.reason !== 'exit') {
    io.stderr(`memvisor: ${file}: the guest did not exit (${result.reason} after ${result.instret} instructions)\n`);
  }
  return result.exitCode;
}
