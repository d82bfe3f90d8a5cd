/**
 * @packageDocumentation
 * QEMU's memory API in TypeScript.
 */
export {};

// topology core (regions, address spaces, FlatView, listeners)
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
export { renderFlatView, renderRegionAsRoot } from './flatview/render.js';
export type { RenderInput } from './flatview/render.js';
export { getFlatViewRoot } from './flatview/flatViewRoot.js';
export { canMerge, simplifyFlatRanges } from './flatview/simplify.js';
export { diffFlatViews, flatRangeEqual, applyTopologyOps } from './flatview/diff.js';
export type { TopologyOp, RegionAddOp, RegionDelOp, RegionNopOp, LogStartOp, LogStopOp } from './flatview/diff.js';
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
