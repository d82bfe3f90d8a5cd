/**
 * @packageDocumentation
 * memvisor's TCG: a RISC-V RV32IMAC (+ Zicsr, Zifencei) guest engine that translates
 * guest code into JavaScript functions (translation blocks), with a reference
 * interpreter beside it, a softmmu TLB with Sv32 paging, code-page protection for
 * self-modifying code, and QEMU's `virt` machine (UART, SiFive test finisher, CLINT,
 * mrom reset vector).
 */
export { createVirtMachine, VirtMachine, VIRT_MEMMAP } from './machine.js';
export type { EngineKind, RunResult, VirtMachineOptions } from './machine.js';
export { runElf, runElfBytes } from './runElf.js';
export type { RunElfOptions, RunElfResult } from './runElf.js';
export { loadElf, parseElf } from './elf.js';
export type { ElfImage, ElfSegment } from './elf.js';
export { ElfError, ElfFormatError, ElfSegmentError, ElfTruncatedError } from './errors.js';
export { Cpu, Access, EVENT_HORIZON } from './cpu.js';
export type { StopReason, InsnStartData, CodeWriteHook, CpuSharedBuffers } from './cpu.js';
export { Interpreter, execute } from './interp.js';
export { Translator, TB_MAX_INSNS, TB_MAX_RUNS, TB_CODE_BUDGET, TB_JMP_CACHE_SIZE, TB_AVG_GUEST_BYTES } from './translate.js';
export type { TbTraceSink, CodePageProtector } from './translate.js';
export { TranslationBlock, TbExit, formatTb } from './tb.js';
export { TbHashTable, tbHashFunc } from './tbHash.js';
export type { TbFunction } from './tb.js';
export {
  Tlb, TLB_SIZE, TLB_BITS, NB_MMU_MODES, TLB_ENTRIES, TLB_FIELDS, TLB_BYTES,
  tlbFlush, tlbFlushPage, tlbFlushByMmuIdx, tlbSetDirty, tlbResetDirtyRange,
} from './tlb.js';
export type { TlbCpu, TlbDirtyView } from './tlb.js';
export { Decoded, Op, OP_NAMES, decode, decode16, decode32 } from './decode.js';
export type { OpCode } from './decode.js';
export { Cause, Irq, Priv } from './cause.js';
export { Csr, MISA_VALUE } from './csr.js';
export { SimpleBus } from './bus.js';
export { VirtBoard } from './virt/virtBoard.js';
export type {
  VirtBoardOptions, VirtBoardDevices, VirtBoardRegions, FramebufferGeometry,
  VirtMachineBoard, VirtBoardHandle, VirtBoardTopology, VirtRamHandle,
} from './virt/virtBoard.js';
export { VIRT_BOARD_MEMMAP, ACLINT_MTIMER_CLINT_OFFSET } from './virt/virtMemmap.js';
export type { VirtRegionMap } from './virt/virtMemmap.js';
export { MemoryCoreBus } from './virt/memoryCoreBus.js';
export type { BusRamBlock } from './virt/memoryCoreBus.js';
export { CodePageProtection, CODE_PAGE_SIZE } from './virt/codePages.js';
export type { CodePageCpu, CodePageTbs, CodePageBlock } from './virt/codePages.js';
export { NoCodeClientError, TargetPageSizeError, RamBlockLayoutError, CpuAlreadyRegisteredError } from './virt/errors.js';
export type { GuestBus, MmioDevice, BusMapping } from './bus.js';
export { Uart16550 } from './devices/uart16550.js';
export { SifiveTest } from './devices/sifiveTest.js';
export { Clint, INSNS_PER_TICK, NS_PER_INSN, TIMEBASE_FREQ } from './devices/clint.js';
export { hasRegionOps } from './devices/regionOps.js';
export type { RegionOpsDevice } from './devices/regionOps.js';
export {
  saveCpuState,
  loadCpuState,
  CpuStateError,
  CpuStateTruncatedError,
  CpuStateFormatError,
  CpuStateVersionError,
  UnknownCpuSubsectionError,
  CpuStateValueError,
  CpuStateTrailingDataError,
  CPU_STATE_MAGIC,
  CPU_STATE_VERSION,
  CRASH_OCCURRED_SUBSECTION,
} from './cpuState.js';
export type { ClintCpu } from './devices/clint.js';
export { Mrom, fdtAddress } from './devices/mrom.js';
export { GUEST_TRAP, EXIT_TB, GuestTrapSignal, ExitTbSignal } from './signals.js';
export { LOG_BITS, logMask } from './log.js';
export type { LogCategory, LogSink } from './log.js';
export { VcpuWorker, startVcpuWorker } from './worker/VcpuWorker.js';
export type { VcpuWorkerOptions } from './worker/VcpuWorker.js';
export type { VcpuStatus, SerializedError } from './worker/protocol.js';
export { VcpuDirtyLog } from './worker/dirtyLog.js';
export { SafePoint, passSafePoint, setRunState } from './worker/safePoint.js';
export { CodeInvalidateQueue, drainCodeInvalidations, codeInvalidateQueueBytes } from './worker/codeInvalidateQueue.js';
export { VcpuWorkerError, SafePointTimeoutError, VcpuWorkerTerminatedError } from './worker/errors.js';
export { AttachedVirtBoard } from './virt/attachedBoard.js';
