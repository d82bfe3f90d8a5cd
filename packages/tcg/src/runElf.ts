import { readFile } from 'node:fs/promises';
import { createVirtMachine } from './machine.js';
import type { EngineKind, RunResult } from './machine.js';
import type { TranslationBlock } from './tb.js';

/** Options of {@link runElf}. */
export interface RunElfOptions {
  /** Receives the guest's UART output, chunked per line or at the end. */
  stdout?: (text: string) => void;
  /** `jit` (default) or `interp`. */
  engine?: EngineKind;
  /** Instruction budget (default: unlimited). */
  maxInsns?: number;
  /** Guest RAM size in bytes (default 128 MiB). */
  ramSize?: number;
  /** Called for every block translated (the CLI's `--trace`). */
  trace?: (tb: TranslationBlock) => void;
}

/** What {@link runElf} reports. */
export interface RunElfResult extends RunResult {
  /** The process exit code to use: the finisher's status, or 1 if the guest did not exit. */
  readonly exitCode: number;
  /** Everything the guest wrote to the UART. */
  readonly output: string;
}

/**
 * Runs an ELF file on a fresh `virt` machine, like
 * `qemu-system-riscv32 -M virt -bios none -kernel FILE -nographic`. ELF errors are thrown
 * (typed, before execution); the guest's exit status becomes `exitCode`.
 */
export async function runElf(path: string, opts: RunElfOptions = {}): Promise<RunElfResult> {
  const bytes = new Uint8Array(await readFile(path));
  return runElfBytes(bytes, opts);
}

/** {@link runElf} on ELF bytes already in memory. */
export function runElfBytes(bytes: Uint8Array, opts: RunElfOptions = {}): RunElfResult {
  const out: number[] = [];
  let flushed = 0;
  const decoder = new TextDecoder();
  const flush = (): void => {
    if (opts.stdout && out.length > flushed) {
      opts.stdout(decoder.decode(Uint8Array.from(out.slice(flushed))));
      flushed = out.length;
    }
  };
  const m = createVirtMachine({
    engine: opts.engine ?? 'jit',
    ...(opts.ramSize !== undefined ? { ramSize: opts.ramSize } : {}),
    onUart: (b) => {
      out.push(b);
      if (b === 10) flush();
    },
  });
  if (opts.trace) m.translator.trace = opts.trace;
  m.loadElf(bytes);
  const r = m.run(opts.maxInsns ?? Infinity);
  flush();
  return {
    ...r,
    exitCode: r.reason === 'exit' ? r.exitStatus : 1,
    output: decoder.decode(Uint8Array.from(out)),
  };
}
