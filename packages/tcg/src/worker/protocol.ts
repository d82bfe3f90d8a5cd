/** Shared control words between the main thread and a vCPU worker (Int32Array indexes). */
export const Ctl = {
  /** Command from the main thread: one of {@link Cmd}. */
  CMD: 0,
  /** Bumped with every command; the worker waits on it while paused. */
  WAKE: 1,
} as const;

/** Commands the main thread writes into `Ctl.CMD`. */
export const Cmd = { NONE: 0, STOP: 1, RESUME: 2, STEP: 3, QUIT: 4 } as const;

/** Bytes of the control SharedArrayBuffer. */
export const CTL_BYTES = 16;

/** Data the worker starts with. */
export interface VcpuWorkerData {
  readonly elf: Uint8Array;
  readonly ram: SharedArrayBuffer;
  readonly ctl: SharedArrayBuffer;
  readonly engine: 'jit' | 'interp';
  /** Guest instructions between two looks at the control words. */
  readonly slice: number;
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
}

/** Messages from the worker. */
export type VcpuMessage =
  | { readonly type: 'uart'; readonly bytes: Uint8Array }
  | { readonly type: 'status'; readonly status: VcpuStatus };
