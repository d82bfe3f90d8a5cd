import { Cpu } from './cpu.js';
import type { CpuSharedBuffers, StopReason } from './cpu.js';
import { Clint } from './devices/clint.js';
import { Mrom, fdtAddress } from './devices/mrom.js';
import { SifiveTest } from './devices/sifiveTest.js';
import { Uart16550 } from './devices/uart16550.js';
import { loadElf } from './elf.js';
import { logMask } from './log.js';
import type { LogCategory, LogSink } from './log.js';
import type { ElfImage } from './elf.js';
import { Interpreter } from './interp.js';
import { EXIT_TB, GUEST_TRAP } from './signals.js';
import { Translator } from './translate.js';
import { CodePageProtection } from './virt/codePages.js';
import type { MemoryCoreBus } from './virt/memoryCoreBus.js';
import { VirtBoard } from './virt/virtBoard.js';
import { VIRT_BOARD_MEMMAP } from './virt/virtMemmap.js';
import type { FramebufferGeometry, VirtBoardDevices, VirtMachineBoard } from './virt/virtBoard.js';

const BOARD_MAP = VIRT_BOARD_MEMMAP;

/**
 * Physical memory map of QEMU's `virt` board that memvisor implements, by device
 * (the CLINT spans QEMU's `riscv.aclint.swi` and `riscv.aclint.mtimer`): a view of
 * `VIRT_BOARD_MEMMAP`, the map by memory region with QEMU's names.
 */
export const VIRT_MEMMAP = {
  mrom: { base: BOARD_MAP.mrom.base, size: BOARD_MAP.mrom.size },
  test: { base: BOARD_MAP.test.base, size: BOARD_MAP.test.size },
  clint: { base: BOARD_MAP.aclintSwi.base, size: BOARD_MAP.aclintSwi.size + BOARD_MAP.aclintMtimer.size },
  uart0: { base: BOARD_MAP.uart0.base, size: BOARD_MAP.uart0.size },
  dram: { base: BOARD_MAP.dram.base },
} as const;

/** Which execution engine runs guest code. */
export type EngineKind = 'jit' | 'interp';

/** Options of {@link createVirtMachine}. */
export interface VirtMachineOptions<B extends VirtMachineBoard = VirtBoard> {
  /** Guest RAM in bytes (default 128 MiB, QEMU's default for virt). */
  ramSize?: number;
  /** `jit` (translation blocks compiled to JavaScript, default) or `interp` (reference interpreter). */
  engine?: EngineKind;
  /** Receives every byte written to the UART. */
  onUart?: (byte: number) => void;
  /** RAM backing store, e.g. shared with another thread. */
  ramBuffer?: SharedArrayBuffer;
  /**
   * The framebuffer's geometry, or false for none (see {@link VirtBoard}):
   * leave it out to migrate to and from real QEMU, which has no such RAM block.
   */
  framebuffer?: FramebufferGeometry | false;
  /** QEMU-style `-d` logging: which categories, and where the lines go. */
  log?: { categories: readonly LogCategory[]; sink: LogSink };
  /**
   * Builds the board around the machine's devices instead of a fresh {@link VirtBoard}
   * (a vCPU worker attaches to the main thread's board this way); `ramSize`,
   * `ramBuffer` and `framebuffer` are then the board's business.
   */
  board?: (devices: VirtBoardDevices) => B;
  /** Shared memory for the hart's TLB and page cache, so other threads can reset them. */
  cpuBuffers?: CpuSharedBuffers;
}

/** Result of {@link VirtMachine.run}. */
export interface RunResult {
  /** Why the run ended. */
  readonly reason: StopReason;
  /** The finisher's exit status when `reason` is `exit`, else -1. */
  readonly exitStatus: number;
  /** Instructions retired since the machine was created. */
  readonly instret: number;
}

/** The engine interface both the interpreter and the translator implement. */
interface Engine {
  runUntilEvent(): void;
}

/**
 * QEMU's `virt` machine for one RV32 hart: RAM at 0x80000000, the mrom reset vector at
 * 0x1000, NS16550A UART at 0x10000000, SiFive test finisher at 0x100000, CLINT at
 * 0x2000000, and memvisor's framebuffer at 0x8000000. Build one with
 * {@link createVirtMachine}.
 *
 * Memory is memory-core's ({@link VirtBoard}): the hart's loads and stores to RAM run
 * on the RAM block's typed array through the TLB, everything else goes through the
 * `cpu-memory-0` data path, and pages holding translated code are write-protected
 * through the CODE dirty client ({@link CodePageProtection}).
 */
export class VirtMachine<B extends VirtMachineBoard = VirtBoard> {
  /** The memory-core board: topology, RAM blocks, dirty bitmaps, data path. */
  readonly board: B;
  /** The hart's bus over the board. */
  readonly bus: MemoryCoreBus;
  /** Code-page protection through the board's CODE dirty client. */
  readonly codePages: CodePageProtection;
  readonly cpu: Cpu;
  readonly clint = new Clint();
  readonly uart: Uart16550;
  readonly finisher: SifiveTest;
  readonly engineKind: EngineKind;
  /** The translator (also present in interpreter mode, unused there). */
  readonly translator: Translator;
  private readonly interp: Interpreter;
  private readonly engine: Engine;

  constructor(opts: VirtMachineOptions<B> = {}) {
    const ramSize = opts.ramSize ?? 128 * 1024 * 1024;
    const onUart = opts.onUart ?? (() => {});
    this.uart = new Uart16550(onUart);
    this.finisher = new SifiveTest((status) => {
      this.cpu.exitStatus = status;
      this.cpu.stopReason = 'exit';
      this.cpu.eventAt = 0;
    });
    const devices: VirtBoardDevices = { serial: this.uart, test: this.finisher, clint: this.clint };
    this.board =
      opts.board !== undefined
        ? opts.board(devices)
        : (new VirtBoard({
            ramSize,
            ...(opts.ramBuffer !== undefined ? { ramBuffer: opts.ramBuffer } : {}),
            ...(opts.framebuffer !== undefined ? { framebuffer: opts.framebuffer } : {}),
            devices,
          }) as VirtMachineBoard as B);
    this.bus = this.board.bus;
    this.board.writeRom(VIRT_MEMMAP.mrom.base, new Mrom(VIRT_MEMMAP.dram.base, fdtAddress(VIRT_MEMMAP.dram.base, this.bus.ramSize)).bytes);
    this.cpu = new Cpu(this.bus, this.clint, opts.cpuBuffers);
    this.cpu.pc = VIRT_MEMMAP.mrom.base;
    if (opts.log) {
      this.cpu.logMask = logMask(opts.log.categories);
      this.cpu.logSink = opts.log.sink;
    }
    this.engineKind = opts.engine ?? 'jit';
    this.interp = new Interpreter(this.cpu);
    this.translator = new Translator(this.cpu);
    this.engine = this.engineKind === 'jit' ? this.translator : this.interp;
    this.codePages = new CodePageProtection(this.board.dirtyMemory, this.board.ramBlock);
    this.codePages.setTbs(this.translator);
    this.codePages.addCpu(this.cpu);
    this.codePages.attachDataPlane(this.board.plane);
    this.translator.codeProtection = this.codePages;
    const codePages = this.codePages;
    const cpu = this.cpu;
    this.cpu.onCodeWrite = (ramPage) => codePages.notdirtyWrite(ramPage, cpu);
  }

  /**
   * Loads an ELF executable into RAM and points the reset vector at its entry; the hart
   * starts at 0x1000 as on QEMU (`-bios none -kernel`). Validation errors are thrown
   * before any byte is written.
   */
  loadElf(bytes: Uint8Array): ElfImage {
    const image = loadElf(bytes, this.bus.ram, this.bus.ramBase);
    this.board.writeRom(VIRT_MEMMAP.mrom.base, new Mrom(image.entry, fdtAddress(this.bus.ramBase, this.bus.ramSize)).bytes);
    this.cpu.pc = VIRT_MEMMAP.mrom.base;
    this.translator.flush();
    let code = 0;
    for (const seg of image.segments) if (seg.flags & 1) code += seg.memsz;
    this.translator.reserveFor(code);
    return image;
  }

  /**
   * Runs until the guest exits through the finisher, the instruction budget is spent,
   * the hart waits forever in WFI, or {@link VirtMachine.stop} is called. Can be called
   * again to resume.
   */
  run(maxInsns = Infinity): RunResult {
    const cpu = this.cpu;
    if (cpu.stopReason === 'breakpoint' && cpu.breakpoints.has(cpu.pc) && maxInsns > 0) {
      // Resuming from a breakpoint: run the instruction under it once, unchecked.
      cpu.stopReason = 'none';
      this.stepOnce();
      maxInsns--;
    }
    if (cpu.stopReason !== 'exit') cpu.stopReason = 'none';
    cpu.budgetAt = cpu.instret + maxInsns;
    cpu.eventAt = 0;
    // A trap storm (e.g. mtvec on an unmapped page) retires nothing; bound it too.
    let traps = 0;
    for (;;) {
      if (cpu.instret >= cpu.eventAt) {
        if (cpu.stopReason !== 'none') break;
        if (cpu.stopRequested) {
          cpu.stopRequested = false;
          cpu.stopReason = 'stopped';
          break;
        }
        if (cpu.instret >= cpu.budgetAt) {
          cpu.stopReason = 'budget';
          break;
        }
        cpu.checkEvents();
        if (cpu.eventAt <= cpu.instret) cpu.eventAt = cpu.instret + 1;
      }
      try {
        this.engine.runUntilEvent();
      } catch (e) {
        cpu.curTb = null;
        if (e === GUEST_TRAP) {
          cpu.takeException();
          if (++traps > maxInsns) {
            cpu.stopReason = 'budget';
            break;
          }
        } else if (e !== EXIT_TB) throw e;
      }
    }
    return { reason: cpu.stopReason, exitStatus: cpu.exitStatus, instret: cpu.instret };
  }

  /**
   * Executes exactly one instruction (taking a pending interrupt first): on the JIT
   * engine as a one-shot block of one instruction, which is never cached
   * (`Translator.runOneShot`); with the interpreter, or when the pc cannot be
   * translated, through the interpreter.
   */
  step(): RunResult {
    const cpu = this.cpu;
    cpu.checkEvents();
    this.stepOnce();
    return { reason: cpu.stopReason, exitStatus: cpu.exitStatus, instret: cpu.instret };
  }

  private stepOnce(): void {
    const cpu = this.cpu;
    try {
      if (this.engineKind !== 'jit' || !this.translator.runOneShot(1, true)) this.interp.step();
    } catch (e) {
      cpu.curTb = null;
      if (e === GUEST_TRAP) cpu.takeException();
      else if (e !== EXIT_TB) throw e;
    }
  }

  /**
   * Stops execution before the instruction at guest virtual `pc` runs (`reason`
   * `breakpoint`); the next {@link VirtMachine.run} executes it and goes on.
   */
  addBreakpoint(pc: number): void {
    this.cpu.breakpoints.add(pc | 0);
    this.translator.flush();
  }

  /** Removes a breakpoint set with {@link VirtMachine.addBreakpoint}. */
  removeBreakpoint(pc: number): void {
    this.cpu.breakpoints.delete(pc | 0);
    this.translator.flush();
  }

  /** Asks a running {@link VirtMachine.run} to return at the next block boundary. */
  stop(): void {
    this.cpu.stopRequested = true;
    this.cpu.eventAt = 0;
  }

  /**
   * The guest crashed (QEMU's qemu_system_guest_panicked, for a panic device or the
   * host acting for one): marks the hart's `crashOccurred` (upstream bac05aa9a7) and
   * stops the machine as QEMU's vm_stop(RUN_STATE_GUEST_PANICKED) does: a run in
   * progress returns at the next block boundary with reason `panicked`. A later
   * {@link VirtMachine.run} resumes the guest (QEMU's `cont`); the flag stays set and
   * migrates with the CPU state.
   */
  guestPanicked(): void {
    this.cpu.crashOccurred = true;
    this.cpu.stopReason = 'panicked';
    this.cpu.eventAt = 0;
  }
}

/** Creates a fresh `virt` machine (see {@link VirtMachine}). */
export function createVirtMachine(opts: VirtMachineOptions = {}): VirtMachine {
  return new VirtMachine(opts);
}
