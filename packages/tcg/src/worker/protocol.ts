import type { MessagePort } from 'node:worker_threads';
import type { CpuSharedBuffers } from '../cpu.js';
import type { VirtBoardHandle } from '../virt/virtBoard.js';

/** Shared control words between the main thread and a vCPU worker (Int32Array indexes). */
export const Ctl = {
  /** Command from the main thread: one of {@link Cmd}. */
  CMD: 0,
  /** Bumped with every command; the worker waits on it while paused. */
  WAKE: 1,
  /** Safe-point requests made so far (bumped by the thread that waits, after its clear). */
  SP_REQ: 2,
  /** The last value of `SP_REQ` the vCPU read at its loop, outside any block; notified on change. */
  SP_ACK: 3,
  /** Where the vCPU is: one of {@link Run}. */
  RUN: 4,
  /** Nonzero while pages wait in the code-invalidation queue (the vCPU's exit request). */
  KICK: 5,
  /** Topology messages sent to the worker so far. */
  TOPO_SENT: 6,
} as const;

/** Words of the control buffer. */
export const CTL_WORDS = 8;
/** Bytes of the control SharedArrayBuffer. */
export const CTL_BYTES = CTL_WORDS * 4;

/** Commands the main thread writes into `Ctl.CMD`. */
export const Cmd = { NONE: 0, STOP: 1, RESUME: 2, STEP: 3, QUIT: 4 } as const;

/**
 * Values of `Ctl.RUN`: the vCPU has not run a block yet, runs blocks, or is parked
 * (stopped, exited, halted, failed) and touches no TLB entry until it is resumed.
 */
export const Run = { STARTING: 0, RUNNING: 1, PARKED: 2 } as const;

/** Data the worker starts with. */
export interface VcpuWorkerData {
  readonly elf: Uint8Array;
  readonly ctl: SharedArrayBuffer;
  /** The main thread's board, to attach to. */
  readonly board: VirtBoardHandle;
  /** The hart's TLB and page cache, allocated by the main thread so its clear hook reaches them. */
  readonly cpu: Required<CpuSharedBuffers>;
  /** The code-invalidation queue (one bit per RAM page). */
  readonly inval: SharedArrayBuffer;
  /** Port on which topology updates arrive (read synchronously at the vCPU's loop). */
  readonly topology: MessagePort;
  readonly engine: 'jit' | 'interp';
  /** Guest instructions between two looks at the control words. */
  readonly slice: number;
  /** Start parked, as if stopped before the first instruction (QEMU's -S). */
  readonly startStopped: boolean;
}

/** An error as it leaves the worker: its class name, message, creation stack and own fields. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  /** The stack captured where the error was created, in the worker. */
  readonly stack: string;
  /** The error's own fields that survive structured cloning (the facts it carries). */
  readonly facts: Readonly<Record<string, unknown>>;
}

/** Where a vCPU stands, as reported by the worker. */
export interface VcpuStatus {
  /** `running`, or why it is not: `stopped`, `exit`, `halted`, `error`. */
  readonly state: 'running' | 'stopped' | 'exit' | 'halted' | 'error';
  readonly pc: number;
  readonly instret: number;
  readonly exitStatus: number;
  /** Error message when `state` is `error`. */
  readonly error?: string;
  /** The error itself, when `state` is `error`. */
  readonly errorInfo?: SerializedError;
}

/** Messages from the worker. */
export type VcpuMessage =
  | { readonly type: 'uart'; readonly bytes: Uint8Array }
  | { readonly type: 'status'; readonly status: VcpuStatus };
