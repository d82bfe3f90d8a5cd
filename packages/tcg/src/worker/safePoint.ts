/**
 * The safe point between a thread that cleared dirty bits and the vCPUs that may
 * still be storing through TLB entries they read before the clear (QEMU's
 * log_global_after_sync, DESIGN.md "Two planes").
 */
import { SafePointTimeoutError } from './errors.js';
import { Ctl, Run } from './protocol.js';

/**
 * The waiting side of the safe point, over the control words of one or more vCPUs.
 *
 * Protocol: the waiter bumps `SP_REQ` after its clear and waits until each vCPU
 * has stored into `SP_ACK` a request value at least that large, or is not
 * running. The vCPU reads `SP_REQ` at its loop, between two slices, outside any
 * translated block, and stores what it read into `SP_ACK` (notifying on change);
 * it reads `SP_REQ` again right after it moves `RUN` to running. This is a
 * request/acknowledge pair rather than a bare counter the vCPU bumps: the
 * vCPU's read of the waiter's bump orders the waiter's TLB resets before every
 * later store of the vCPU (a happens-before edge in the JS memory model, which
 * a counter that only the vCPU writes would not give), and the vCPU pays one
 * atomic load per slice instead of a read-modify-write.
 *
 * A vCPU that is parked (stopped, exited, halted, failed) or has not started
 * runs no block, so it counts as passed.
 */
export class SafePoint {
  private readonly ctls: readonly Int32Array[];

  /** @param ctls - the control words of every vCPU to wait for */
  constructor(ctls: readonly Int32Array[]) {
    this.ctls = ctls;
  }

  /**
   * Resolves once every running vCPU has passed a safe point that began after this
   * call; call it after the clear (sync) whose stores it must close.
   * @throws SafePointTimeoutError (as a rejection) when a vCPU is still running its
   *   slice after `timeoutMs`
   */
  async wait(timeoutMs = 10_000): Promise<void> {
    const targets = this.ctls.map((ctl) => Atomics.add(ctl, Ctl.SP_REQ, 1) + 1);
    const deadline = performance.now() + timeoutMs;
    for (let i = 0; i < this.ctls.length; i++) {
      const ctl = this.ctls[i] as Int32Array;
      const target = targets[i] as number;
      for (;;) {
        const ack = Atomics.load(ctl, Ctl.SP_ACK);
        if (ack - target >= 0 || Atomics.load(ctl, Ctl.RUN) !== Run.RUNNING) break;
        const left = deadline - performance.now();
        if (left <= 0) throw new SafePointTimeoutError(timeoutMs, target, ack);
        // Short waits: a vCPU that parks notifies too, but polling RUN costs little.
        const r = waitAsync(ctl, Ctl.SP_ACK, ack, Math.min(left, 50));
        if (r.async) await r.value;
      }
    }
  }
}

/** Atomics.waitAsync (ES2024; in Node since 16), typed here for the ES2022 lib. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: Promise<string> | string };
  }
).waitAsync;

/**
 * The vCPU side, at its loop outside any block: acknowledges the latest request.
 * Returns the value acknowledged.
 */
export function passSafePoint(ctl: Int32Array, acked: number): number {
  const req = Atomics.load(ctl, Ctl.SP_REQ);
  if (req !== acked) {
    Atomics.store(ctl, Ctl.SP_ACK, req);
    Atomics.notify(ctl, Ctl.SP_ACK);
  }
  return req;
}

/** The vCPU moves to `state` (one of `Run`); parking acknowledges every request so far. */
export function setRunState(ctl: Int32Array, state: number, acked: number): number {
  Atomics.store(ctl, Ctl.RUN, state);
  const req = passSafePoint(ctl, acked);
  if (state !== Run.RUNNING) Atomics.notify(ctl, Ctl.SP_ACK);
  return req;
}
