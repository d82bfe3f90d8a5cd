/**
 * `memvisor dirtyrate`: how fast a guest dirties its RAM, measured the way
 * QEMU's `calc-dirty-rate` does in dirty-bitmap mode (migration/dirtyrate.c):
 * global dirty logging on, one sync to start from clean bits, wait the
 * calculation time, sync again and count the pages dirtied meanwhile. The
 * guest runs in a vCPU worker while the main thread does the syncs, as a live
 * migration's would.
 */
import { startVcpuWorker } from '@memvisor/tcg';
import { UsageError, onePositional, parseCommandArgs, parseEngine, readBinary, type CliIo } from '../io.js';

/** Usage text of `memvisor dirtyrate`. */
export const DIRTYRATE_USAGE = `memvisor dirtyrate GUEST.elf [--calc-time S] [--engine jit|interp] [--json]

  --calc-time S     seconds to measure over (default 1; fractions allowed)
  --engine E        jit (default) or interp
  --json            print the result as QEMU's query-dirty-rate does, plus
                    dirty-pages, instead of the guest's output and a report
`;

/** The measurement, in the shape of QEMU's query-dirty-rate (plus the page count). */
export interface DirtyRateResult {
  status: 'measured';
  /** MB/s, as QEMU computes it: whole MiB dirtied, times 1000, over the period in ms. */
  'dirty-rate': number;
  /** When the measurement started, in seconds since the epoch. */
  'start-time': number;
  /** The period, in seconds as asked. */
  'calc-time': number;
  mode: 'dirty-bitmap';
  /** Distinct target pages dirtied during the period (memvisor's addition). */
  'dirty-pages': number;
  /** Bytes per page. */
  'page-size': number;
}

/** Runs `memvisor dirtyrate ARGS`; returns the exit status (0 once measured). */
export async function dirtyrateCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    { 'calc-time': { type: 'string' }, engine: { type: 'string' }, json: { type: 'boolean' } },
    DIRTYRATE_USAGE,
    io,
  );
  if (parsed === null) return 0;
  const { values, positionals } = parsed;
  const file = onePositional(positionals, 'GUEST.elf');
  const seconds = Number(values['calc-time'] ?? '1');
  if (!(seconds > 0 && seconds <= 60)) throw new UsageError(`--calc-time takes seconds in (0, 60], not ${values['calc-time']}`);
  const engine = parseEngine(values.engine);
  const elf = readBinary(file);

  const json = values.json === true;
  // Stopped before its first instruction (QEMU's -S), so logging is on before the guest stores anything.
  const w = startVcpuWorker(elf, {
    engine,
    startStopped: true,
    ...(json ? {} : { onUart: (b: Uint8Array) => io.stdout(Buffer.from(b).toString('latin1')) }),
  });
  try {
    await w.dirty.start();
    const dest = w.dirty.bitmap();
    w.dirty.sync(dest); // a new block starts all dirty: take that, count from clean bits
    dest.fill(0);
    const startTime = Math.floor(Date.now() / 1000);
    const ms = Math.round(seconds * 1000);
    await w.resume();
    await new Promise((resolve) => setTimeout(resolve, ms));
    const pages = w.dirty.sync(dest);
    await w.dirty.stop();
    const pageSize = w.board.dirtyMemory.targetPageSize;
    const result: DirtyRateResult = {
      status: 'measured',
      'dirty-rate': Math.floor((Math.floor((pages * pageSize) / 2 ** 20) * 1000) / ms),
      'start-time': startTime,
      'calc-time': seconds,
      mode: 'dirty-bitmap',
      'dirty-pages': pages,
      'page-size': pageSize,
    };
    if (json) {
      io.stdout(JSON.stringify(result, null, 2) + '\n');
    } else {
      io.stdout(
        `Status: measured\nPeriod: ${seconds} (sec)\nMode: dirty-bitmap\n` +
          `Dirty pages: ${pages} (${pageSize} bytes each)\nDirty rate: ${result['dirty-rate']} (MB/s)\n`,
      );
    }
    return 0;
  } finally {
    await w.terminate();
  }
}
