/**
 * Log categories, QEMU's `-d` items. MMU faults have their own category (upstream
 * 339aaf5b7f) so page-fault noise can be switched on without every interrupt.
 */
export type LogCategory = 'in_asm' | 'int' | 'mmu' | 'guest_errors';

/** Receives one log line. */
export type LogSink = (category: LogCategory, message: string) => void;

/** Bit of each category in a log mask. */
export const LOG_BITS: Readonly<Record<LogCategory, number>> = {
  in_asm: 1,
  int: 2,
  mmu: 4,
  guest_errors: 8,
};

/** The mask for a list of categories. */
export function logMask(categories: readonly LogCategory[]): number {
  let m = 0;
  for (const c of categories) m |= LOG_BITS[c];
  return m;
}
