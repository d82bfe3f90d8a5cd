/**
 * Errors of running a vCPU in a worker thread. One class per kind of failure,
 * carrying the facts.
 */
import { MemvisorError } from '@memvisor/memory-core';
import type { SerializedError } from './protocol.js';

/**
 * An error thrown inside the vCPU worker, as the main thread receives it: the
 * worker-side class name, message and creation stack, and the fields the error
 * carried (upstream 1e9b65bb1b: an error remembers where it was created, so a
 * failure that crossed a boundary still names its origin).
 */
export class VcpuWorkerError extends MemvisorError {
  readonly kind = 'vcpu-worker';
  /** The class of the error in the worker (e.g. `UnresolvedRegionError`). */
  readonly workerName: string;
  /** Its message in the worker. */
  readonly workerMessage: string;
  /** The stack captured where it was created, in the worker. */
  readonly workerStack: string;
  /** Its own fields (the facts of the failure), as they survived structured cloning. */
  readonly facts: Readonly<Record<string, unknown>>;

  constructor(info: SerializedError) {
    super(`the vCPU worker failed: ${info.name}: ${info.message}`);
    this.workerName = info.name;
    this.workerMessage = info.message;
    this.workerStack = info.stack;
    this.facts = info.facts;
  }
}

/** A vCPU did not reach a safe point in time (it is running but never came back to its loop). */
export class SafePointTimeoutError extends MemvisorError {
  readonly kind = 'safe-point-timeout';
  constructor(
    /** How long the caller waited, in milliseconds. */
    readonly timeoutMs: number,
    /** The request the caller waited for. */
    readonly requested: number,
    /** The last request the vCPU acknowledged. */
    readonly acknowledged: number,
  ) {
    super(
      `the vCPU did not pass a safe point within ${timeoutMs} ms (request ${requested}, last acknowledged ${acknowledged}): ` +
        'it is running but has not returned to its loop; use a smaller slice or a longer timeout',
    );
  }
}

/** The vCPU worker was used after `terminate()`. */
export class VcpuWorkerTerminatedError extends MemvisorError {
  readonly kind = 'vcpu-worker-terminated';
  constructor(
    /** What was asked of it. */
    readonly operation: string,
  ) {
    super(`the vCPU worker was terminated: cannot ${operation}`);
  }
}

/** Turns anything thrown in the worker into the plain data that crosses to the main thread. */
export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: typeof e, message: String(e), stack: '', facts: {} };
  const facts: Record<string, unknown> = {};
  for (const key of Object.keys(e)) {
    if (key === 'name' || key === 'message' || key === 'stack') continue;
    const v = (e as unknown as Record<string, unknown>)[key];
    if (v === null || ['string', 'number', 'boolean', 'bigint'].includes(typeof v)) facts[key] = v;
  }
  return { name: e.name, message: e.message, stack: e.stack ?? '', facts };
}
