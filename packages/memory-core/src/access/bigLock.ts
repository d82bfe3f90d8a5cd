/**
 * The big lock (QEMU's iothread mutex) for vCPUs that run in worker threads.
 *
 * What it means here: every thread that dispatches guest accesses shares one
 * BigLock (same SharedArrayBuffer). RAM accesses never take it. Before an MMIO
 * callback of a region with globalLocking (the default) the dispatcher takes
 * it unless this thread already holds it, and releases it after the callback
 * (QEMU's prepare_mmio_access). Regions flagged globalLocking=false (upstream
 * 196ea13104, memory_region_clear_global_locking) are dispatched without it:
 * their device must do its own locking, and a vCPU reaching them never waits
 * for another thread that holds the big lock.
 */
import { BigLockTimeoutError } from './errors.js';

const UNLOCKED = 0;
const LOCKED = 1;
const CONTENDED = 2;

/**
 * A mutex in shared memory (futex-style, three states), reentrant within one
 * thread. Create it in one thread and pass `buffer` to the others
 * (`new BigLock(buffer)`). Waiting uses Atomics.wait, which browsers forbid
 * on their main thread: there, run vCPUs in workers or give the DataPlane no
 * lock.
 */
export class BigLock {
  /** The shared cell; give it to workers. */
  readonly buffer: SharedArrayBuffer;
  private readonly cell: Int32Array;
  private depth = 0;
  /** Number of acquisitions made by this thread (statistics; tests use it). */
  acquisitions = 0;

  /** Wraps `buffer` (4 bytes at least) or creates a fresh, unlocked lock. */
  constructor(buffer?: SharedArrayBuffer) {
    this.buffer = buffer ?? new SharedArrayBuffer(4);
    this.cell = new Int32Array(this.buffer, 0, 1);
  }

  /** True when this thread holds the lock (QEMU's qemu_mutex_iothread_locked). */
  get heldByMe(): boolean {
    return this.depth > 0;
  }

  /** True when some thread holds the lock (racy by nature; for diagnostics and tests). */
  get held(): boolean {
    return Atomics.load(this.cell, 0) !== UNLOCKED;
  }

  /**
   * Takes the lock, waiting up to `timeoutMs` (default: forever) and throwing
   * BigLockTimeoutError after that. Reentrant: a thread that holds it only
   * counts one more level.
   */
  lock(timeoutMs = Infinity): void {
    if (this.depth > 0) {
      this.depth++;
      return;
    }
    const cell = this.cell;
    let c = Atomics.compareExchange(cell, 0, UNLOCKED, LOCKED);
    if (c !== UNLOCKED) {
      const deadline = timeoutMs === Infinity ? Infinity : Date.now() + timeoutMs;
      if (c !== CONTENDED) c = Atomics.exchange(cell, 0, CONTENDED);
      while (c !== UNLOCKED) {
        const left = deadline - Date.now();
        if (left <= 0) throw new BigLockTimeoutError(timeoutMs);
        Atomics.wait(cell, 0, CONTENDED, left === Infinity ? undefined : left);
        c = Atomics.exchange(cell, 0, CONTENDED);
      }
    }
    this.depth = 1;
    this.acquisitions++;
  }

  /** Takes the lock only if it is free (or already ours); never waits. */
  tryLock(): boolean {
    if (this.depth > 0) {
      this.depth++;
      return true;
    }
    if (Atomics.compareExchange(this.cell, 0, UNLOCKED, LOCKED) !== UNLOCKED) return false;
    this.depth = 1;
    this.acquisitions++;
    return true;
  }

  /** Releases one level; the last one wakes a waiter. */
  unlock(): void {
    if (this.depth === 0) throw new Error('BigLock.unlock by a thread that does not hold it');
    if (--this.depth > 0) return;
    if (Atomics.exchange(this.cell, 0, UNLOCKED) === CONTENDED) Atomics.notify(this.cell, 0, 1);
  }
}
