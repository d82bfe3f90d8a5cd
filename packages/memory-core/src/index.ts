/**
 * @packageDocumentation
 * QEMU's memory API in TypeScript.
 */

// topology core (regions, address spaces, FlatView, listeners)
export { MemvisorError } from './memvisorError.js';
export * from './errors.js';
export type { RegionKind, RegionState, AddressSpaceState, FlatRange, FlatView } from './topology/types.js';
export { DIRTY_MEMORY_VGA, DIRTY_MEMORY_CODE, DIRTY_MEMORY_MIGRATION, DIRTY_MEMORY_NUM } from './topology/types.js';
export type * from './topology/events.js';
export { eventToJson, eventFromJson, eventsToJsonLines, eventsFromJsonLines } from './topology/events.js';
export type { TopologyState } from './topology/state.js';
export { initialTopologyState, SIZE_2_64 } from './topology/state.js';
export { reduce, reduceAll, normaliseSize } from './topology/reduce.js';
export { validateEvent } from './topology/validate.js';
export { dirtyLogMaskOf, isLoggingIn, hasRamBlock } from './topology/dirtyLogMask.js';
export { MemorySystem, EMPTY_FLAT_VIEW } from './topology/MemorySystem.js';
export type { RegionOptions, RamOptions, AliasOptions, MemorySystemOptions } from './topology/MemorySystem.js';
export { regionProperties, REGION_PROPERTY_NAMES } from './topology/regionProperties.js';
export type { RegionProperty, RegionPropertyType } from './topology/regionProperties.js';
export { renderFlatView, renderRegionAsRoot, renderFlatRangesIn } from './flatview/render.js';
export type { RenderInput } from './flatview/render.js';
export { getFlatViewRoot } from './flatview/flatViewRoot.js';
export { canMerge, simplifyFlatRanges } from './flatview/simplify.js';
export { diffFlatViews, visitFlatViewDiff, flatRangeEqual, applyTopologyOps } from './flatview/diff.js';
export type { TopologyOpVisitor, TopologyOp, RegionAddOp, RegionDelOp, RegionNopOp, LogStartOp, LogStopOp } from './flatview/diff.js';
export type { MemoryListener, MemoryRegionSection, ListenerOp, ListenerOpType } from './listener/MemoryListener.js';
export { listenerFromSink, dispatchListenerOp } from './listener/MemoryListener.js';
export type { RegisteredListener } from './listener/ListenerRegistry.js';
export { sectionFromFlatRange } from './listener/ListenerRegistry.js';
export { memoryOps$, listenOperator } from './listener/rx.js';
export type { ListenerHost } from './listener/rx.js';
// end topology core

// machine descriptions and QEMU's info mtree (spec/, mtree/)
export type { MachineSpec, RegionSpec, RegionSpecKind, AddressSpaceSpec } from './spec/types.js';
export { MACHINE_SPEC_FORMAT } from './spec/types.js';
export { validateSpec, machineSchema, regionSpecId } from './spec/validateSpec.js';
export { parseSpecJson } from './spec/parseSpecJson.js';
export { loadSpec } from './spec/loadSpec.js';
export type { LoadSpecOptions } from './spec/loadSpec.js';
export { SpecSyntaxError } from './spec/SpecSyntaxError.js';
export { SpecValidationError } from './spec/SpecValidationError.js';
export { parseQemuMtree } from './mtree/parseQemu.js';
export type { ParseQemuOptions } from './mtree/parseQemu.js';
export { parseTreeText } from './mtree/parseTreeText.js';
export type { TreeTextNode, TreeTextSection } from './mtree/parseTreeText.js';
export { parseFlatText } from './mtree/parseFlatText.js';
export type { FlatTextView, FlatTextRange, FlatTextAddressSpace } from './mtree/parseFlatText.js';
export { MtreeParseError } from './mtree/MtreeParseError.js';
export { printTree } from './mtree/printTree.js';
export type { PrintTreeOptions } from './mtree/printTree.js';
export { printFlat } from './mtree/printFlat.js';
export type { MtreeSource, FlatViewOf } from './mtree/mtreeSource.js';
export { mtreeType } from './mtree/mtreeType.js';
export type { MtreeType } from './mtree/mtreeType.js';
// end machine descriptions and mtree

// RAM blocks and dirty memory (ram/, dirty/)
export { PageSizes } from './ram/pageSize.js';
export type { PageSizeOptions } from './ram/pageSize.js';
export { RamBlock } from './ram/ramBlock.js';
export type { RamBlockInit, RamResizeCallback } from './ram/ramBlock.js';
export { RamList } from './ram/ramList.js';
export type { RamAllocOptions, RamHostLookup } from './ram/ramList.js';
export {
  RamBlockExistsError,
  RamBlockResizeError,
  RamAllocationError,
  RamBlockNotFoundError,
  PageSizeError,
} from './ram/errors.js';
export type { RamBlockResizeReason } from './ram/errors.js';
export {
  BITS_PER_WORD,
  bitsToWords,
  bitmapNew,
  popcount32,
  setBit,
  clearBit,
  testBit,
  bitmapSet,
  bitmapClear,
  bitmapZero,
  bitmapFill,
  findNextBit,
  findNextZeroBit,
  findFirstBit,
  findFirstZeroBit,
  bitmapCountOne,
  bitmapCountOneWithOffset,
  bitmapEmpty,
  bitmapFull,
  bitmapEqual,
  bitmapCopy,
  bitmapAnd,
  bitmapOr,
  bitmapXor,
  bitmapAndnot,
  bitmapFromLe,
  bitmapToLe,
} from './dirty/bitmap.js';
export {
  setBitAtomic,
  bitmapSetAtomic,
  bitmapAllSetAtomic,
  bitmapTestAndClearAtomic,
  bitmapCopyAndClearAtomic,
} from './dirty/atomicBitmap.js';
export {
  DirtyMemory,
  DIRTY_CLIENTS_ALL,
  DIRTY_CLIENTS_NOCODE,
  DIRTY_MEMORY_BLOCK_PAGES,
  SYNC_KERNEL_MIN_BLOCK_PAGES,
} from './dirty/dirtyMemory.js';
export type { DirtyMemoryOptions, DirtyMemoryHandle, DirtyBlockRange, DirtyClearHook } from './dirty/dirtyMemory.js';
export { DirtyBitmapSnapshot } from './dirty/dirtyBitmapSnapshot.js';
export {
  DirtyClientError,
  DirtyRangeError,
  DirtyBitmapSizeError,
  DirtyMemoryAttachedError,
  NoRamBlockError,
} from './dirty/errors.js';
export { RegionDirtyLog } from './dirty/regionDirtyLog.js';
export type { RegionRamOptions, RegionRam } from './dirty/regionDirtyLog.js';
// end RAM blocks and dirty memory

// the data path (access/)
export type { MemTxAttrs, MemTxResult } from './access/attrs.js';
export { MEMTXATTRS_UNSPECIFIED, memTxAttrs, MEMTX_OK, MEMTX_ERROR, MEMTX_DECODE_ERROR } from './access/attrs.js';
export type { MemoryRegionOps, DeviceEndianness, AccessSizes, ValidAccess, MmioReadOut } from './access/ops.js';
export { MmioOps, UNASSIGNED_OPS } from './access/ops.js';
export { memoryRegionAccessValid, memoryAccessSize, dispatchRead, dispatchWrite, mmioOut } from './access/adjust.js';
export { RegionHandle } from './access/region.js';
export { Section, Dispatch, buildDispatch, UNASSIGNED_SECTION, DATA_PLANE_ADDRESS_LIMIT } from './access/dispatch.js';
export type { ReadonlyWrites } from './access/dispatch.js';
export type { DirtyMemorySink, CodeInvalidateHook } from './access/dirty.js';
export { invalidateAndSetDirty } from './access/dirty.js';
export { DataPlane, BounceBuffer } from './access/DataPlane.js';
export type { RamBacking, RegionInfo, RegionSource, DataPlaneOptions, RegisterOpsOptions } from './access/DataPlane.js';
export { AddressSpaceAccess } from './access/AddressSpaceAccess.js';
export type { TranslateResult } from './access/AddressSpaceAccess.js';
export { MemoryRegionCache } from './access/cache.js';
export { DmaMapping, addressSpaceMap, addressSpaceUnmap } from './access/map.js';
export { Owner } from './access/owner.js';
export { BigLock } from './access/bigLock.js';
export {
  CpuMemory,
  cpuAddressSpaceInit,
  cpuInitDefaultAddressSpace,
  cpuGetAddressSpace,
  cpuAsidxFromAttrs,
  cpuGetPhysPageAttrsDebug,
  cpuMemoryRwDebug,
} from './access/cpuAddressSpace.js';
export type { AddressSpaceFactory, PhysPageAttrs, CpuMemoryHooks, CpuMemoryOptions } from './access/cpuAddressSpace.js';
export { MemorySystemDataPlane, MemorySystemRegionSource } from './access/memorySystemDataPlane.js';
export {
  RefcountUnderflowError,
  InvalidOpsError,
  UnresolvedRegionError,
  BigLockTimeoutError,
  StaleMappingError,
  CacheRangeError,
  CpuAddressSpaceError,
} from './access/errors.js';
// end the data path
export { muldiv64, muldiv64Number, MulDivRangeError } from './util/hostUtils.js';
export { compileSharedMemoryKernel, hostWebAssembly, sleb128, uleb128, wasmSection } from './util/wasmKernel.js';
export type { WebAssemblyApi } from './util/wasmKernel.js';
