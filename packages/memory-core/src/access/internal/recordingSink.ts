/**
 * A DirtyMemorySink that records its calls, for tests and benchmarks.
 */
import type { DirtyMemorySink } from '../dirty.js';

/** Records every setDirtyRange call as [ramAddr, length, mask]. */
export class RecordingSink implements DirtyMemorySink {
  /** The calls, in order. */
  readonly calls: [number, number, number][] = [];

  /** {@inheritDoc DirtyMemorySink.setDirtyRange} */
  setDirtyRange(ramAddr: number, length: number, mask: number): void {
    this.calls.push([ramAddr, length, mask]);
  }
}
