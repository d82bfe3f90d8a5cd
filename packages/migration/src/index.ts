/**
 * @packageDocumentation
 * QEMU-format RAM live migration for memvisor guests: the pieces of RAM save
 * that exist so far (zero-page detection, per-block migration bitmaps with
 * postcopy's unsent map and discard computation).
 */

export { MigrationError, BufferRangeError, PageRangeError, PostcopyUnavailableError } from './errors.js';
export { bufferIsZero, registerZeroScanMemory, isZeroScanKernelBuffer } from './zero/bufferIsZero.js';
export type { SharedWasmMemory } from './internal/zeroScanKernel.js';
export { RamBlockMigrationState } from './ram/ramBlockMigrationState.js';
export type { RamBlockMigrationOptions, PostcopyDiscard, PostcopyDiscardRange } from './ram/ramBlockMigrationState.js';
