/**
 * Errors of wiring the engine to memory-core. One class per kind of failure,
 * carrying the facts.
 */
import { MemvisorError } from '@memvisor/memory-core';

/** Code-page protection needs the CODE dirty client, which exists only when the RAM list was made with `tcg: true`. */
export class NoCodeClientError extends MemvisorError {
  readonly kind = 'no-code-client';
  constructor(
    /** Mask of the dirty clients that do exist (bit 0 VGA, bit 1 CODE, bit 2 MIGRATION). */
    readonly clientMask: number,
  ) {
    super(
      `the dirty memory has no CODE client (clients 0b${clientMask.toString(2)}): ` +
        'create the RamList with { tcg: true } to track pages holding translated code',
    );
  }
}

/** The dirty bitmaps' target page differs from the engine's 4 KiB pages. */
export class TargetPageSizeError extends MemvisorError {
  readonly kind = 'target-page-size';
  constructor(
    /** The bitmaps' target page size in bytes. */
    readonly targetPageSize: number,
    /** The page size the engine uses. */
    readonly expected: number,
  ) {
    super(
      `the dirty bitmaps have ${targetPageSize}-byte target pages but the RISC-V engine's TLB and code pages are ` +
        `${expected} bytes: create the RamList with targetPageBits 12`,
    );
  }
}

/** A RAM block that the engine cannot index as one typed array of whole pages. */
export class RamBlockLayoutError extends MemvisorError {
  readonly kind = 'ram-block-layout';
  constructor(
    /** The block's idstr. */
    readonly idstr: string,
    /** What is wrong with it. */
    readonly detail: string,
  ) {
    super(`RAM block "${idstr}": ${detail}`);
  }
}

/** A vCPU was registered twice with the same code-page tracker (QEMU's cpu_exec_init runs once per CPU). */
export class CpuAlreadyRegisteredError extends MemvisorError {
  readonly kind = 'cpu-already-registered';
  constructor(
    /** The index the vCPU already has. */
    readonly cpuIndex: number,
  ) {
    super(`this vCPU is already registered for code-page tracking as vCPU ${cpuIndex}: register each CPU once`);
  }
}
