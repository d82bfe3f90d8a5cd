/**
 * What the concurrency test and its writer workers share: the worker's
 * input and the layout of the shared control words.
 */
import type { DirtyMemoryHandle } from '../dirtyMemory.js';

/** What the test sends to each writer. */
export interface DirtyWriterData {
  readonly entry: string;
  readonly id: number;
  readonly writers: number;
  readonly writes: number;
  readonly seed: number;
  readonly ram: SharedArrayBuffer;
  readonly blockOffset: number;
  readonly pages: number;
  readonly pageSize: number;
  readonly mask: number;
  readonly dirty: DirtyMemoryHandle;
  /** Writes per phase; the writers stop at the end of each phase until the test lets them go on. */
  readonly phaseWrites: number;
  /** Int32 words: see the CONTROL_* indexes. */
  readonly control: SharedArrayBuffer;
}

/** control[CONTROL_GO] = number of phases the writers may run. */
export const CONTROL_GO = 0;
/** control[CONTROL_ARRIVED] = writers that finished the current phase. */
export const CONTROL_ARRIVED = 1;
/** control[CONTROL_ROUND] = sync rounds the test has started; writers wait on it mid-phase. */
export const CONTROL_ROUND = 2;
/** control[CONTROL_WRITES + id] = writes done by writer `id`. */
export const CONTROL_WRITES = 3;

/** What the bit-setter test sends to each of its two workers. */
export interface BitSetterData {
  readonly entry: string;
  /** 0 sets the even bits, 1 the odd ones. */
  readonly id: number;
  readonly nbits: number;
  readonly rounds: number;
  readonly map: SharedArrayBuffer;
  readonly control: SharedArrayBuffer;
}

/** control[SETTER_GO] = number of rounds the setters may run. */
export const SETTER_GO = 0;
/** control[SETTER_ARRIVED] = setters done with the current round. */
export const SETTER_ARRIVED = 1;
/** control[SETTER_READY] = setters awake in the current round (they start together). */
export const SETTER_READY = 2;
