/**
 * QEMU's `TARGET_FMT_plx` (`%016" PRIx64`) and the 64-bit wrap-around of `hwaddr`.
 */

const MASK_64 = (1n << 64n) - 1n;

/** Formats an address as QEMU's `TARGET_FMT_plx`: lower-case hex, zero-padded to 16 digits. */
export function hex16(value: bigint): string {
  return (value & MASK_64).toString(16).padStart(16, '0');
}

/** `hwaddr` arithmetic: the value modulo 2^64. */
export function wrap64(value: bigint): bigint {
  return value & MASK_64;
}

/** QEMU's `MR_SIZE`: size - 1 as a 64-bit value, and 0 for an empty region. */
export function mrSize(size: bigint): bigint {
  return size === 0n ? 0n : wrap64(size - 1n);
}
