import type { GuestBus } from './bus.js';
import { Cause, Irq, Priv } from './cause.js';
import {
  Csr, MEDELEG_MASK, MIDELEG_MASK, MIE_MASK, MIP_WMASK, MISA_VALUE, MSTATUS, MSTATUS_WMASK,
  S_INTS, SSTATUS_MASK,
} from './csr.js';
import type { Clint, ClintCpu } from './devices/clint.js';
import type { LogSink } from './log.js';
import { EXIT_TB, GUEST_TRAP } from './signals.js';
import { TLB_SIZE, Tlb, tlbFlush } from './tlb.js';

// Module-local copies for the hot paths (imported bindings may be getters under some loaders).
const TLB_PER_MMU = TLB_SIZE;
const TLB_MASK = TLB_SIZE - 1;

/** Access types, as QEMU's MMUAccessType. */
export const Access = { LOAD: 0, STORE: 1, FETCH: 2 } as const;

/** What the CPU needs of the block being executed to restore state (QEMU's insn_start data). */
export interface InsnStartData {
  /** Guest pc of each instruction of the block, plus the pc after the last one. */
  readonly insnPc: Int32Array;
}

/** Called when a store hits a RAM page holding translated code; returns true if the running block was on it. */
export type CodeWriteHook = (ramPage: number) => boolean;

/** Why {@link Cpu.stopReason} ended a run. */
export type StopReason = 'none' | 'exit' | 'budget' | 'halted' | 'stopped' | 'breakpoint' | 'panicked';

/**
 * Shared memory for a vCPU's TLB and page cache, given when another thread must reach
 * them (a vCPU in a worker whose dirty bits are cleared on the main thread).
 */
export interface CpuSharedBuffers {
  /** `TLB_BYTES` bytes for the TLB. */
  readonly tlb?: SharedArrayBuffer;
  /** One byte per 4 KiB page of RAM for {@link Cpu.codePages}. */
  readonly codePages?: SharedArrayBuffer;
}

const PTE_V = 1;
const PTE_R = 2;
const PTE_W = 4;
const PTE_X = 8;
const PTE_U = 16;
const PTE_A = 64;
const PTE_D = 128;

/**
 * Most instructions the run loop lets blocks run before it looks at events again when
 * neither a budget nor the timer sets an earlier point (see {@link Cpu.checkEvents}).
 */
export const EVENT_HORIZON = 0x3fffffff;

/**
 * One RV32 hart: registers, CSRs, privilege, the softmmu TLB and the memory access
 * paths shared by the interpreter and translated code. Memory helpers take `k`, the
 * index of the instruction inside the running translation block (-1 outside one): on a
 * fault they restore the guest pc from the block's insn_start data first, which is what
 * QEMU's helpers do with their return address (upstream 282dffc8a4, b8611499b9).
 */
export class Cpu implements ClintCpu {
  readonly x = new Int32Array(32);
  pc = 0;
  priv: number = Priv.M;
  /** Instructions retired (and cycles: one per instruction). */
  instret = 0;
  /** When instret reaches this, the run loop looks at interrupts, the timer and the budget. */
  eventAt = 0;
  /** Instruction budget end of the current run. */
  budgetAt = Infinity;
  /** How far ahead of instret {@link Cpu.checkEvents} sets eventAt at most ({@link EVENT_HORIZON}). */
  eventHorizon = EVENT_HORIZON;
  stopReason: StopReason = 'none';
  exitStatus = -1;
  /** Set by a stop request from outside the run loop. */
  stopRequested = false;
  /**
   * The guest reported a crash (QEMU's CPUState.crash_occurred, upstream bac05aa9a7):
   * set by `VirtMachine.guestPanicked`, kept until reset, carried by the CPU state
   * (`saveCpuState`) in its `cpu_common/crash_occurred` subsection.
   */
  crashOccurred = false;

  mstatus = 0;
  medeleg = 0;
  mideleg = 0;
  mie = 0;
  mipSw = 0;
  mtvec = 0;
  mscratch = 0;
  mepc = 0;
  mcause = 0;
  mtval = 0;
  mcounteren = 0;
  mcountinhibit = 0;
  scounteren = 0;
  stvec = 0;
  sscratch = 0;
  sepc = 0;
  scause = 0;
  stval = 0;
  satp = 0;
  fcsr = 0;
  readonly pmpcfg = new Int32Array(4);
  readonly pmpaddr = new Int32Array(16);
  loadRes = -1;
  loadVal = 0;
  excCause = 0;
  excTval = 0;
  /** mmu index of data accesses: the privilege, or MPP under MPRV (fetches always use priv). */
  dataMmu: number = Priv.M;
  /** The running block (null in the interpreter). */
  curTb: InsnStartData | null = null;
  private ioK = 0;

  /** The softmmu TLB, on shared memory. */
  readonly tlb: Tlb;
  readonly ram8: Uint8Array;
  readonly ramI8: Int8Array;
  readonly ram16: Uint16Array;
  readonly ramI16: Int16Array;
  readonly ram32: Int32Array;
  readonly ramBase: number;
  readonly ramSize: number;
  /**
   * One byte per RAM page, on shared memory: nonzero while stores to the page take the
   * slow path (it holds translated code, or a dirty client sees it clean).
   */
  readonly codePages: Uint8Array;
  onCodeWrite: CodeWriteHook | null = null;
  /**
   * Leave the running block right after a store that modified it. Off by default, as in
   * QEMU's RISC-V target (no TARGET_HAS_PRECISE_SMC): the block finishes with the code it
   * was translated from, and the store takes effect the next time it runs.
   */
  preciseSmc = false;
  /** Enabled log categories (see log.ts LOG_BITS) and where lines go. */
  logMask = 0;
  logSink: LogSink | null = null;
  /** Guest pcs where execution stops with reason `breakpoint` (checked after insn_start). */
  readonly breakpoints = new Set<number>();
  /** Called on every TLB flush (the jump cache follows it). */
  onTlbFlush: (() => void) | null = null;

  constructor(
    readonly bus: GuestBus,
    readonly clint: Clint,
    shared: CpuSharedBuffers = {},
  ) {
    this.tlb = new Tlb(shared.tlb);
    const buf = bus.ram.buffer;
    const off = bus.ram.byteOffset;
    this.ram8 = bus.ram;
    this.ramI8 = new Int8Array(buf, off, bus.ramSize);
    this.ram16 = new Uint16Array(buf, off, bus.ramSize >>> 1);
    this.ramI16 = new Int16Array(buf, off, bus.ramSize >>> 1);
    this.ram32 = new Int32Array(buf, off, bus.ramSize >>> 2);
    this.ramBase = bus.ramBase;
    this.ramSize = bus.ramSize;
    this.codePages = new Uint8Array(shared.codePages ?? new SharedArrayBuffer(bus.ramSize >>> 12), 0, bus.ramSize >>> 12);
    clint.cpu = this;
  }

  instretNow(): number {
    return this.instret + this.ioK;
  }

  kick(): void {
    this.eventAt = 0;
  }

  // ---- state restore and exceptions ----

  /** cpu_restore_state: puts pc and instret at instruction `k` of the running block. */
  restore(k: number): void {
    const tb = this.curTb;
    if (k >= 0 && tb !== null) {
      this.pc = tb.insnPc[k]!;
      this.instret += k;
      this.curTb = null;
    }
  }

  /**
   * Raises a guest exception from inside an instruction: restores state from insn_start
   * data and leaves through {@link GUEST_TRAP} (cpu_loop_exit_restore, upstream 1c3c8af1fb).
   */
  raise(cause: number, tval: number, k: number): never {
    this.restore(k);
    this.excCause = cause;
    this.excTval = tval | 0;
    throw GUEST_TRAP;
  }

  /** Enters the trap handler for the exception recorded by {@link Cpu.raise}. */
  takeException(): void {
    this.trapEnter(this.excCause, this.excTval, false);
  }

  /** Trap entry for an exception or interrupt `cause` (interrupt bit stripped) at the current pc. */
  trapEnter(cause: number, tval: number, interrupt: boolean): void {
    if ((this.logMask & 2) !== 0 && this.logSink) {
      this.logSink(
        'int',
        `${interrupt ? 'interrupt' : 'exception'} cause=${cause} tval=0x${(tval >>> 0).toString(16)} ` +
          `pc=0x${(this.pc >>> 0).toString(16)} priv=${this.priv}`,
      );
    }
    const deleg = interrupt ? this.mideleg : this.medeleg;
    const full = interrupt ? (cause | 0x80000000) >>> 0 : cause;
    let ms = this.mstatus;
    if (this.priv <= Priv.S && ((deleg >>> cause) & 1) !== 0) {
      this.scause = full | 0;
      this.sepc = this.pc;
      this.stval = tval;
      ms = (ms & ~MSTATUS.SPP) | (this.priv << 8);
      ms = (ms & ~MSTATUS.SPIE) | ((ms & MSTATUS.SIE) << 4);
      ms &= ~MSTATUS.SIE;
      this.priv = Priv.S;
      const base = this.stvec & ~3;
      this.pc = interrupt && (this.stvec & 1) !== 0 ? base + 4 * cause : base;
    } else {
      this.mcause = full | 0;
      this.mepc = this.pc;
      this.mtval = tval;
      ms = (ms & ~MSTATUS.MPP) | (this.priv << 11);
      ms = (ms & ~MSTATUS.MPIE) | ((ms & MSTATUS.MIE) << 4);
      ms &= ~MSTATUS.MIE;
      this.priv = Priv.M;
      const base = this.mtvec & ~3;
      this.pc = interrupt && (this.mtvec & 1) !== 0 ? base + 4 * cause : base;
    }
    this.pc |= 0;
    this.mstatus = ms;
    this.updateMmuIdx();
  }

  /** mip as software reads it: the writable bits plus CLINT's MSIP and MTIP. */
  mipValue(): number {
    let v = this.mipSw;
    if (this.clint.msip) v |= 1 << Irq.MSI;
    if (this.clint.mtip()) v |= 1 << Irq.MTI;
    return v;
  }

  /** The interrupt that would be taken now, or -1. */
  pendingInterrupt(): number {
    const pending = this.mipValue() & this.mie;
    if (pending === 0) return -1;
    const mEnabled = this.priv < Priv.M || (this.mstatus & MSTATUS.MIE) !== 0;
    let irqs = mEnabled ? pending & ~this.mideleg : 0;
    if (irqs === 0) {
      const sEnabled = this.priv < Priv.S || (this.priv === Priv.S && (this.mstatus & MSTATUS.SIE) !== 0);
      irqs = sEnabled ? pending & this.mideleg : 0;
    }
    if (irqs === 0) return -1;
    const order = IRQ_PRIORITY;
    for (let i = 0; i < order.length; i++) if (irqs & (1 << order[i]!)) return order[i]!;
    return -1;
  }

  /**
   * Run-loop event check: takes a pending interrupt if one is enabled and re-arms
   * {@link Cpu.eventAt}. Returns true if an interrupt was taken.
   */
  checkEvents(): boolean {
    const irq = this.pendingInterrupt();
    if (irq >= 0) {
      this.trapEnter(irq, 0, true);
      this.loadRes = -1;
    }
    const deadline = this.clint.mtip() ? Infinity : this.clint.deadline();
    // Never Infinity: the blocks compare their instruction counter with this on every
    // jump, and a small integer keeps those compares integer ones in every tier of V8
    // (measured: cold and warm bench.elf runs about 6 ms faster). Coming back to the
    // run loop once per eventHorizon instructions with nothing to do costs nothing.
    this.eventAt = Math.min(this.budgetAt, deadline, this.instret + this.eventHorizon);
    return irq >= 0;
  }

  // ---- privilege ----

  /** Recomputes the data mmu index after a privilege or mstatus change. */
  updateMmuIdx(): void {
    const ms = this.mstatus;
    this.dataMmu = this.priv === Priv.M && (ms & MSTATUS.MPRV) !== 0 ? (ms >>> 11) & 3 : this.priv;
  }

  /** Flushes the whole TLB (and, through the hook, the jump cache). */
  tlbFlush(): void {
    tlbFlush(this);
  }

  /** mret; `raw`/`k` identify the instruction for the illegal-instruction case. */
  mret(raw: number, k: number): void {
    if (this.priv < Priv.M) this.raise(Cause.ILLEGAL_INSN, raw, k);
    let ms = this.mstatus;
    const prev = (ms >>> 11) & 3;
    ms = (ms & ~MSTATUS.MIE) | ((ms >>> 4) & MSTATUS.MIE);
    ms |= MSTATUS.MPIE;
    ms &= ~MSTATUS.MPP;
    if (prev !== Priv.M) ms &= ~MSTATUS.MPRV;
    this.mstatus = ms;
    this.priv = prev;
    this.pc = this.mepc & ~1;
    this.loadRes = -1;
    this.updateMmuIdx();
    this.eventAt = 0;
  }

  /** sret. */
  sret(raw: number, k: number): void {
    if (this.priv < Priv.S || (this.priv === Priv.S && (this.mstatus & MSTATUS.TSR) !== 0)) {
      this.raise(Cause.ILLEGAL_INSN, raw, k);
    }
    let ms = this.mstatus;
    const prev = (ms >>> 8) & 1;
    ms = (ms & ~MSTATUS.SIE) | ((ms >>> 4) & MSTATUS.SIE);
    ms |= MSTATUS.SPIE;
    ms &= ~MSTATUS.SPP;
    ms &= ~MSTATUS.MPRV;
    this.mstatus = ms;
    this.priv = prev;
    this.pc = this.sepc & ~1;
    this.loadRes = -1;
    this.updateMmuIdx();
    this.eventAt = 0;
  }

  /** wfi: returns false when nothing can ever wake the hart (the run stops as halted). */
  wfi(raw: number, k: number): boolean {
    const tw = (this.mstatus & MSTATUS.TW) !== 0;
    if (this.priv === Priv.U || (this.priv === Priv.S && tw)) this.raise(Cause.ILLEGAL_INSN, raw, k);
    this.eventAt = 0;
    if ((this.mipValue() & this.mie) !== 0) return true;
    if ((this.mie & (1 << Irq.MTI)) !== 0 && this.clint.skipToDeadline()) return true;
    return false;
  }

  /** sfence.vma. */
  sfenceVma(raw: number, k: number): void {
    if (this.priv === Priv.U || (this.priv === Priv.S && (this.mstatus & MSTATUS.TVM) !== 0)) {
      this.raise(Cause.ILLEGAL_INSN, raw, k);
    }
    this.tlbFlush();
  }

  // ---- CSRs ----

  /**
   * A Zicsr instruction: reads CSR `num` (unless `rd` is 0 and `kind` is W), writes the
   * new value if `write`, and puts the old value in `rd`. `kind`: 0 write, 1 set, 2 clear.
   */
  csrOp(kind: number, num: number, rd: number, src: number, write: boolean, raw: number, k: number): void {
    if (((num >>> 8) & 3) > this.priv) this.raise(Cause.ILLEGAL_INSN, raw, k);
    if (write && ((num >>> 10) & 3) === 3) this.raise(Cause.ILLEGAL_INSN, raw, k);
    const old = this.csrRead(num, raw, k);
    if (write) {
      const nv = kind === 0 ? src : kind === 1 ? old | src : old & ~src;
      this.csrWrite(num, nv | 0, raw, k);
    }
    if (rd !== 0) this.x[rd] = old;
    this.eventAt = 0;
  }

  private counterAllowed(num: number): boolean {
    const bit = 1 << (num & 31);
    if (this.priv < Priv.M && (this.mcounteren & bit) === 0) return false;
    if (this.priv < Priv.S && (this.scounteren & bit) === 0) return false;
    return true;
  }

  private fsOn(): boolean {
    return (this.mstatus & MSTATUS.FS) !== 0;
  }

  /** Reads a CSR; an unknown or forbidden one raises an illegal instruction. */
  csrRead(num: number, raw: number, k: number): number {
    switch (num) {
      case Csr.FFLAGS:
        if (!this.fsOn()) break;
        return this.fcsr & 0x1f;
      case Csr.FRM:
        if (!this.fsOn()) break;
        return (this.fcsr >>> 5) & 7;
      case Csr.FCSR:
        if (!this.fsOn()) break;
        return this.fcsr & 0xff;
      case Csr.SSTATUS:
        return this.mstatusValue() & SSTATUS_MASK;
      case Csr.SIE:
        return this.mie & this.mideleg & S_INTS;
      case Csr.STVEC:
        return this.stvec;
      case Csr.SCOUNTEREN:
        return this.scounteren;
      case Csr.SSCRATCH:
        return this.sscratch;
      case Csr.SEPC:
        return this.sepc;
      case Csr.SCAUSE:
        return this.scause;
      case Csr.STVAL:
        return this.stval;
      case Csr.SIP:
        return this.mipValue() & this.mideleg & S_INTS;
      case Csr.SATP:
        if (this.priv === Priv.S && (this.mstatus & MSTATUS.TVM) !== 0) break;
        return this.satp;
      case Csr.MSTATUS:
        return this.mstatusValue();
      case Csr.MISA:
        return MISA_VALUE;
      case Csr.MEDELEG:
        return this.medeleg;
      case Csr.MIDELEG:
        return this.mideleg;
      case Csr.MIE:
        return this.mie;
      case Csr.MTVEC:
        return this.mtvec;
      case Csr.MCOUNTEREN:
        return this.mcounteren;
      case Csr.MSTATUSH:
        return 0;
      case Csr.MCOUNTINHIBIT:
        return this.mcountinhibit;
      case Csr.MSCRATCH:
        return this.mscratch;
      case Csr.MEPC:
        return this.mepc;
      case Csr.MCAUSE:
        return this.mcause;
      case Csr.MTVAL:
        return this.mtval;
      case Csr.MIP:
        return this.mipValue();
      case Csr.MCYCLE:
      case Csr.MINSTRET:
        return this.instretNowK(k) | 0;
      case Csr.MCYCLEH:
      case Csr.MINSTRETH:
        return Math.floor(this.instretNowK(k) / 4294967296) | 0;
      case Csr.CYCLE:
      case Csr.INSTRET:
        if (!this.counterAllowed(num)) break;
        return this.instretNowK(k) | 0;
      case Csr.CYCLEH:
      case Csr.INSTRETH:
        if (!this.counterAllowed(num)) break;
        return Math.floor(this.instretNowK(k) / 4294967296) | 0;
      case Csr.TIME:
      case Csr.TIMEH: {
        if (!this.counterAllowed(num)) break;
        this.ioK = k >= 0 ? k : 0;
        const t = this.clint.mtime();
        this.ioK = 0;
        return num === Csr.TIME ? t % 4294967296 | 0 : Math.floor(t / 4294967296) | 0;
      }
      case Csr.MVENDORID:
      case Csr.MARCHID:
      case Csr.MIMPID:
      case Csr.MHARTID:
      case Csr.MCONFIGPTR:
        return 0;
      default:
        if (num >= Csr.PMPCFG0 && num < Csr.PMPCFG0 + 4) return this.pmpcfg[num - Csr.PMPCFG0]!;
        if (num >= Csr.PMPADDR0 && num < Csr.PMPADDR0 + 16) return this.pmpaddr[num - Csr.PMPADDR0]!;
        if ((num >= 0xb03 && num <= 0xb1f) || (num >= 0xb83 && num <= 0xb9f) || (num >= 0x323 && num <= 0x33f)) {
          return 0;
        }
        if ((num >= 0xc03 && num <= 0xc1f) || (num >= 0xc83 && num <= 0xc9f)) {
          if (!this.counterAllowed(num)) break;
          return 0;
        }
        break;
    }
    return this.raise(Cause.ILLEGAL_INSN, raw, k);
  }

  private instretNowK(k: number): number {
    return this.instret + (k >= 0 && this.curTb !== null ? k : 0);
  }

  private mstatusValue(): number {
    const ms = this.mstatus;
    return (ms & MSTATUS.FS) === MSTATUS.FS ? ms | MSTATUS.SD : ms & ~MSTATUS.SD;
  }

  private writeMstatus(v: number): void {
    const old = this.mstatus;
    const nv = (old & ~MSTATUS_WMASK) | (v & MSTATUS_WMASK);
    if ((old ^ nv) & (MSTATUS.MXR | MSTATUS.MPP | MSTATUS.MPRV | MSTATUS.SUM)) this.tlbFlush();
    this.mstatus = nv;
    this.updateMmuIdx();
  }

  /** Writes a CSR (the read in {@link Cpu.csrOp} has already checked that it exists). */
  csrWrite(num: number, v: number, raw: number, k: number): void {
    switch (num) {
      case Csr.FFLAGS:
        this.fcsr = (this.fcsr & ~0x1f) | (v & 0x1f);
        this.mstatus |= MSTATUS.FS;
        return;
      case Csr.FRM:
        this.fcsr = (this.fcsr & ~0xe0) | ((v & 7) << 5);
        this.mstatus |= MSTATUS.FS;
        return;
      case Csr.FCSR:
        this.fcsr = v & 0xff;
        this.mstatus |= MSTATUS.FS;
        return;
      case Csr.SSTATUS:
        this.writeMstatus((this.mstatus & ~SSTATUS_MASK) | (v & SSTATUS_MASK));
        return;
      case Csr.SIE: {
        const mask = this.mideleg & S_INTS;
        this.mie = (this.mie & ~mask) | (v & mask);
        return;
      }
      case Csr.STVEC:
        if ((v & 3) < 2) this.stvec = v;
        return;
      case Csr.SCOUNTEREN:
        this.scounteren = v;
        return;
      case Csr.SSCRATCH:
        this.sscratch = v;
        return;
      case Csr.SEPC:
        this.sepc = v & ~1;
        return;
      case Csr.SCAUSE:
        this.scause = v;
        return;
      case Csr.STVAL:
        this.stval = v;
        return;
      case Csr.SIP: {
        const mask = this.mideleg & (1 << Irq.SSI);
        this.mipSw = (this.mipSw & ~mask) | (v & mask);
        return;
      }
      case Csr.SATP:
        if (this.satp !== v) {
          this.satp = v;
          this.tlbFlush();
        }
        return;
      case Csr.MSTATUS:
        this.writeMstatus(v);
        return;
      case Csr.MEDELEG:
        this.medeleg = v & MEDELEG_MASK;
        return;
      case Csr.MIDELEG:
        this.mideleg = v & MIDELEG_MASK;
        return;
      case Csr.MIE:
        this.mie = v & MIE_MASK;
        return;
      case Csr.MTVEC:
        if ((v & 3) < 2) this.mtvec = v;
        return;
      case Csr.MCOUNTEREN:
        this.mcounteren = v;
        return;
      case Csr.MCOUNTINHIBIT:
        this.mcountinhibit = v;
        return;
      case Csr.MSCRATCH:
        this.mscratch = v;
        return;
      case Csr.MEPC:
        this.mepc = v & ~1;
        return;
      case Csr.MCAUSE:
        this.mcause = v;
        return;
      case Csr.MTVAL:
        this.mtval = v;
        return;
      case Csr.MIP:
        this.mipSw = (this.mipSw & ~MIP_WMASK) | (v & MIP_WMASK);
        return;
      default:
        if (num >= Csr.PMPCFG0 && num < Csr.PMPCFG0 + 4) {
          this.writePmpcfg(num - Csr.PMPCFG0, v);
          return;
        }
        if (num >= Csr.PMPADDR0 && num < Csr.PMPADDR0 + 16) {
          const i = num - Csr.PMPADDR0;
          if (!this.pmpLocked(i) && !(i < 15 && this.pmpLocked(i + 1) && ((this.pmpcfg[(i + 1) >>> 2]! >>> (((i + 1) & 3) * 8 + 3)) & 3) === 1)) {
            this.pmpaddr[i] = v;
            this.tlbFlush();
          }
          return;
        }
        // Counters and the other read-as-zero CSRs ignore writes.
        void raw;
        void k;
    }
  }

  /** True when some locked PMP entry exists (then M-mode accesses are checked too). */
  private pmpOn = false;

  private pmpLocked(i: number): boolean {
    return ((this.pmpcfg[i >>> 2]! >>> ((i & 3) * 8)) & 0x80) !== 0;
  }

  private writePmpcfg(reg: number, v: number): void {
    let cur = this.pmpcfg[reg]!;
    for (let b = 0; b < 4; b++) {
      if (this.pmpLocked(reg * 4 + b)) continue;
      const cfg = (v >>> (b * 8)) & 0xff;
      cur = (cur & ~(0xff << (b * 8))) | (cfg << (b * 8));
    }
    this.pmpcfg[reg] = cur;
    let locked = false;
    for (let i = 0; i < 16; i++) if (this.pmpLocked(i)) locked = true;
    this.pmpOn = locked;
    this.tlbFlush();
  }

  // ---- address translation ----

  /**
   * PMP check of `[pa, pa + size)` for `access` at privilege `mode` (QEMU 7.2's
   * pmp_hart_has_privs): the lowest-numbered entry that matches all bytes decides; an
   * entry matching only some bytes denies; with no match M-mode is allowed and S/U are
   * not. M-mode is checked only against locked entries.
   */
  pmpAllows(pa: number, size: number, access: number, mode: number): boolean {
    const cfgs = this.pmpcfg;
    const addrs = this.pmpaddr;
    const end = pa + size;
    let prevTop = 0;
    for (let i = 0; i < 16; i++) {
      const cfg = (cfgs[i >>> 2]! >>> ((i & 3) * 8)) & 0xff;
      const a = (cfg >>> 3) & 3;
      const raw = addrs[i]! >>> 0;
      let lo: number;
      let hi: number;
      if (a === 0) {
        prevTop = raw * 4;
        continue;
      } else if (a === 1) {
        lo = prevTop;
        hi = raw * 4;
      } else if (a === 2) {
        lo = raw * 4;
        hi = lo + 4;
      } else {
        let t = 0;
        while (t < 32 && ((raw >>> t) & 1) === 1) t++;
        const span = 2 ** (t + 3);
        lo = Math.floor((raw * 4) / span) * span;
        hi = lo + span;
      }
      prevTop = raw * 4;
      if (end <= lo || pa >= hi) continue;
      if (pa < lo || end > hi) return false;
      if (mode === Priv.M && (cfg & 0x80) === 0) return true;
      const bit = access === Access.LOAD ? 1 : access === Access.STORE ? 2 : 4;
      return (cfg & bit) !== 0;
    }
    return mode === Priv.M;
  }

  /**
   * Translates `va` for an access of type `access` at mmu index `mmuIdx` (Sv32 when satp
   * enables it and the index is not M), updating A/D bits like QEMU. Returns the
   * physical address (may exceed 2^32) or raises a page or access fault.
   */
  translate(va: number, access: number, mmuIdx: number, k: number): number {
    va >>>= 0;
    let pa = va;
    if (mmuIdx !== Priv.M && this.satp < 0) pa = this.walk(va, access, mmuIdx, k);
    if ((this.pmpOn || mmuIdx !== Priv.M) && !this.pmpAllows(pa, 1, access, mmuIdx)) {
      this.raise(access === Access.FETCH ? Cause.INSN_ACCESS : access === Access.LOAD ? Cause.LOAD_ACCESS : Cause.STORE_ACCESS, va, k);
    }
    return pa;
  }

  private pageFault(va: number, access: number, k: number): never {
    if ((this.logMask & 4) !== 0 && this.logSink) {
      this.logSink('mmu', `page fault: ${['load', 'store', 'fetch'][access]} va=0x${(va >>> 0).toString(16)} satp=0x${(this.satp >>> 0).toString(16)}`);
    }
    return this.raise(
      access === Access.FETCH ? Cause.INSN_PAGE_FAULT : access === Access.LOAD ? Cause.LOAD_PAGE_FAULT : Cause.STORE_PAGE_FAULT,
      va,
      k,
    );
  }

  private walk(va: number, access: number, mmuIdx: number, k: number): number {
    let base = (this.satp & 0x3fffff) * 4096;
    const ms = this.mstatus;
    const sum = (ms & MSTATUS.SUM) !== 0;
    const mxr = (ms & MSTATUS.MXR) !== 0;
    for (let level = 1; level >= 0; level--) {
      const idx = level === 1 ? va >>> 22 : (va >>> 12) & 0x3ff;
      const pteAddr = base + idx * 4;
      const off = pteAddr - this.ramBase;
      if (off < 0 || off >= this.ramSize) this.pageFault(va, access, k);
      const pte = this.ram32[off >>> 2]!;
      const ppn = pte >>> 10;
      if ((pte & PTE_V) === 0) this.pageFault(va, access, k);
      if ((pte & (PTE_R | PTE_W | PTE_X)) === 0) {
        if (level === 0) this.pageFault(va, access, k);
        base = ppn * 4096;
        continue;
      }
      if ((pte & (PTE_R | PTE_W)) === PTE_W) this.pageFault(va, access, k);
      if ((pte & PTE_U) !== 0) {
        if (mmuIdx !== Priv.U && (!sum || access === Access.FETCH)) this.pageFault(va, access, k);
      } else if (mmuIdx !== Priv.S) this.pageFault(va, access, k);
      if (level === 1 && (ppn & 0x3ff) !== 0) this.pageFault(va, access, k);
      const ok =
        access === Access.FETCH
          ? (pte & PTE_X) !== 0
          : access === Access.LOAD
            ? (pte & PTE_R) !== 0 || (mxr && (pte & PTE_X) !== 0)
            : (pte & PTE_W) !== 0;
      if (!ok) this.pageFault(va, access, k);
      const upd = pte | PTE_A | (access === Access.STORE ? PTE_D : 0);
      if (upd !== pte) {
        this.ram32[off >>> 2] = upd;
        const page = off >>> 12;
        if (this.codePages[page] && this.onCodeWrite) this.onCodeWrite(page);
      }
      return level === 1 ? (ppn >>> 10) * 4194304 + (va & 0x3fffff) : ppn * 4096 + (va & 0xfff);
    }
    return this.pageFault(va, access, k);
  }

  // ---- memory access: slow paths (TLB fill, MMIO, misaligned) ----

  private fill(va: number, pa: number, access: number, mmuIdx: number): void {
    // A page that PMP does not treat as a whole stays out of the TLB: every access
    // then takes the slow path and is checked byte-exactly.
    if (this.pmpOn || mmuIdx !== Priv.M) {
      const page = pa - (pa % 4096);
      if (!this.pmpAllows(page, 4096, access, mmuIdx)) return;
    }
    const off = pa - this.ramBase;
    const vpn = va >>> 12;
    const e = mmuIdx * TLB_PER_MMU + (vpn & TLB_MASK);
    const add = (off - (va >>> 0)) | 0;
    const tlb = this.tlb;
    if (access === Access.LOAD) {
      tlb.tagR[e] = vpn;
      tlb.addR[e] = add;
    } else if (access === Access.STORE) {
      tlb.fillWrite(e, vpn, add, off >>> 12, this.codePages);
    } else {
      tlb.tagX[e] = vpn;
      tlb.addX[e] = add;
    }
  }

  /** Slow-path load of `size` bytes (sign-extended if `signed`), filling the TLB. */
  ldSlow(va: number, size: number, signed: boolean, k: number): number {
    va |= 0;
    if ((va & (size - 1)) !== 0 && (va & 0xfff) + size > 0x1000) {
      this.translate(va, Access.LOAD, this.dataMmu, k);
      const v = this.ldSplit(va, size, k);
      return signed ? (size === 2 ? (v << 16) >> 16 : v | 0) : size === 4 ? v | 0 : v;
    }
    const pa = this.translate(va, Access.LOAD, this.dataMmu, k);
    const off = pa - this.ramBase;
    let v: number;
    if (off >= 0 && off < this.ramSize) {
      this.fill(va, pa, Access.LOAD, this.dataMmu);
      if (size === 4) v = (off & 3) === 0 ? this.ram32[off >>> 2]! : this.ramBytes(off, 4) | 0;
      else if (size === 2) v = (off & 1) === 0 ? this.ram16[off >>> 1]! : this.ramBytes(off, 2);
      else v = this.ram8[off]!;
    } else if ((va & (size - 1)) !== 0) {
      v = this.ldSplit(va, size, k);
    } else {
      this.ioK = k >= 0 ? k : 0;
      v = this.bus.ioRead(pa, size);
      this.ioK = 0;
      if (v !== v) {
        this.guestError('load', pa);
        this.raise(Cause.LOAD_ACCESS, va, k);
      }
    }
    if (!signed) return size === 4 ? v | 0 : v;
    return size === 1 ? (v << 24) >> 24 : size === 2 ? (v << 16) >> 16 : v | 0;
  }

  /**
   * A misaligned load that is not plain RAM on one page, as QEMU's load_helper does
   * it: two aligned loads of the same size around it (each checked and faulting on its
   * own, so a fault reports the aligned address), combined. Returns the value zero-extended.
   */
  private ldSplit(va: number, size: number, k: number): number {
    const a1 = va & ~(size - 1);
    const r1 = this.ldSlow(a1, size, false, k) >>> 0;
    const r2 = this.ldSlow((a1 + size) | 0, size, false, k) >>> 0;
    const sh = (va & (size - 1)) * 8;
    const v = (r1 >>> sh) | (r2 << (size * 8 - sh));
    return size === 4 ? v >>> 0 : v & 0xffff;
  }

  private guestError(what: string, pa: number): void {
    if ((this.logMask & 8) !== 0 && this.logSink) {
      this.logSink('guest_errors', `${what} from unassigned address 0x${pa.toString(16)}`);
    }
  }

  private ramBytes(off: number, n: number): number {
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = (v << 8) | this.ram8[off + i]!;
    return v;
  }

  /**
   * Slow-path store. A store to a page holding translated code invalidates its blocks
   * first (tlb_unprotect_code by RAM page); with {@link Cpu.preciseSmc}, if the running
   * block was one of them, the store completes and the block is left at the next
   * instruction (QEMU's current_tb_modified + cpu_loop_exit_noexc).
   */
  stSlow(va: number, size: number, value: number, k: number): void {
    va |= 0;
    if ((va & (size - 1)) !== 0 && (va & 0xfff) + size > 0x1000) {
      // Probe every byte first so a fault leaves memory untouched.
      for (let i = 0; i < size; i++) this.translate((va + i) | 0, Access.STORE, this.dataMmu, k);
      for (let i = 0; i < size; i++) this.stSlow((va + i) | 0, 1, value >>> (8 * i), k);
      return;
    }
    const pa = this.translate(va, Access.STORE, this.dataMmu, k);
    const off = pa - this.ramBase;
    if (off >= 0 && off < this.ramSize) {
      const page = off >>> 12;
      let hitCurrent = false;
      if (this.codePages[page] && this.onCodeWrite) hitCurrent = this.onCodeWrite(page);
      if (size === 4 && (off & 3) === 0) this.ram32[off >>> 2] = value;
      else if (size === 2 && (off & 1) === 0) this.ram16[off >>> 1] = value;
      else for (let i = 0; i < size; i++) this.ram8[off + i] = value >>> (8 * i);
      this.fill(va, pa, Access.STORE, this.dataMmu);
      if (hitCurrent && this.preciseSmc && k >= 0 && this.curTb !== null) {
        this.restore(k + 1);
        throw EXIT_TB;
      }
      return;
    }
    if ((va & (size - 1)) !== 0) {
      // Misaligned MMIO: byte stores in address order, as QEMU's store_helper_unaligned.
      for (let i = 0; i < size; i++) this.stSlow((va + i) | 0, 1, value >>> (8 * i), k);
      return;
    }
    this.ioK = k >= 0 ? k : 0;
    const ok = this.bus.ioWrite(pa, size, value);
    this.ioK = 0;
    if (!ok) {
      this.guestError('store', pa);
      this.raise(Cause.STORE_ACCESS, va, k);
    }
    if (this.stopReason === 'exit' && k >= 0 && this.curTb !== null) {
      // The finisher ends the run at this store, as QEMU's exit() does mid-block.
      this.restore(k + 1);
      throw EXIT_TB;
    }
  }

  // ---- memory access: fast paths used by the interpreter (translated code inlines them) ----

  /** lw; hot path. */
  lw(va: number, k: number): number {
    const vpn = va >>> 12;
    const e = this.dataMmu * TLB_PER_MMU + (vpn & TLB_MASK);
    if (this.tlb.tagR[e] === vpn && (va & 3) === 0) return this.ram32[((va + this.tlb.addR[e]!) | 0) >> 2]!;
    return this.ldSlow(va, 4, true, k);
  }

  /** lh / lhu; hot path. */
  lh(va: number, signed: boolean, k: number): number {
    const vpn = va >>> 12;
    const e = this.dataMmu * TLB_PER_MMU + (vpn & TLB_MASK);
    if (this.tlb.tagR[e] === vpn && (va & 1) === 0) {
      const i = ((va + this.tlb.addR[e]!) | 0) >> 1;
      return signed ? this.ramI16[i]! : this.ram16[i]!;
    }
    return this.ldSlow(va, 2, signed, k);
  }

  /** lb / lbu; hot path. */
  lb(va: number, signed: boolean, k: number): number {
    const vpn = va >>> 12;
    const e = this.dataMmu * TLB_PER_MMU + (vpn & TLB_MASK);
    if (this.tlb.tagR[e] === vpn) {
      const i = (va + this.tlb.addR[e]!) | 0;
      return signed ? this.ramI8[i]! : this.ram8[i]!;
    }
    return this.ldSlow(va, 1, signed, k);
  }

  /** Stores of 1, 2 or 4 bytes; hot path. */
  st(va: number, size: number, value: number, k: number): void {
    const vpn = va >>> 12;
    const e = this.dataMmu * TLB_PER_MMU + (vpn & TLB_MASK);
    if (this.tlb.tagW[e] === vpn && (va & (size - 1)) === 0) {
      const i = (va + this.tlb.addW[e]!) | 0;
      if (size === 4) this.ram32[i >> 2] = value;
      else if (size === 2) this.ram16[i >> 1] = value;
      else this.ram8[i] = value;
      return;
    }
    this.stSlow(va, size, value, k);
  }

  /** Fetches the 16-bit parcel at `va` with execute permission at the current privilege. */
  fetch16(va: number): number {
    const vpn = va >>> 12;
    const e = this.priv * TLB_PER_MMU + (vpn & TLB_MASK);
    if (this.tlb.tagX[e] === vpn) return this.ram16[((va + this.tlb.addX[e]!) | 0) >> 1]!;
    const pa = this.translate(va, Access.FETCH, this.priv, -1);
    const off = pa - this.ramBase;
    if (off >= 0 && off < this.ramSize) {
      this.fill(va, pa, Access.FETCH, this.priv);
      return this.ram16[off >>> 1]!;
    }
    const v = this.bus.ioRead(pa, 2);
    if (v !== v) this.raise(Cause.INSN_ACCESS, va, -1);
    return v;
  }

  /** Fetches a whole instruction at `va` (16 or 32 bits). */
  fetchInsn(va: number): number {
    const lo = this.fetch16(va);
    if ((lo & 3) !== 3) return lo;
    return lo | (this.fetch16((va + 2) | 0) << 16);
  }

  /**
   * Physical address of the instruction at `va` for the current privilege, or -1 if the
   * fetch would fault (used by the translator, which must not raise while generating).
   */
  probeFetch(va: number): number {
    try {
      return this.translate(va, Access.FETCH, this.priv, -1);
    } catch (e) {
      if (e === GUEST_TRAP) return -1;
      throw e;
    }
  }

  /**
   * tlb_vaddr_to_host: the RAM byte offset (index into {@link Cpu.ram8}) backing `va` for
   * an access of type `access` at mmu index `mmuIdx`, or -1 when it is not plain RAM
   * (MMIO, a write to a page holding code) or the access would fault. Never raises;
   * fills the TLB on a miss like a non-faulting probe.
   */
  vaddrToHost(va: number, access: number, mmuIdx: number): number {
    va |= 0;
    const vpn = va >>> 12;
    const e = mmuIdx * TLB_PER_MMU + (vpn & TLB_MASK);
    const tlb = this.tlb;
    const tags = access === Access.LOAD ? tlb.tagR : access === Access.STORE ? tlb.tagW : tlb.tagX;
    const adds = access === Access.LOAD ? tlb.addR : access === Access.STORE ? tlb.addW : tlb.addX;
    if (tags[e] === vpn) return (va + adds[e]!) | 0;
    const saved = this.curTb;
    this.curTb = null;
    let pa: number;
    try {
      pa = this.translate(va, access, mmuIdx, -1);
    } catch (err) {
      if (err === GUEST_TRAP) return -1;
      throw err;
    } finally {
      this.curTb = saved;
    }
    const off = pa - this.ramBase;
    if (off < 0 || off >= this.ramSize) return -1;
    if (access === Access.STORE && this.codePages[off >>> 12]) return -1;
    this.fill(va, pa, access, mmuIdx);
    return off;
  }

  // ---- atomics ----

  /** lr.w */
  lr(va: number, rd: number, k: number): void {
    if ((va & 3) !== 0) this.raise(Cause.LOAD_MISALIGNED, va, k);
    const v = this.ldSlow(va, 4, true, k);
    this.loadRes = va;
    this.loadVal = v;
    if (rd !== 0) this.x[rd] = v;
  }

  /** sc.w: succeeds when the reservation address matches and memory still holds the loaded value (QEMU's cmpxchg). */
  sc(va: number, rd: number, value: number, k: number): void {
    if (this.loadRes === va) {
      const cur = this.ldSlowForStore(va, k);
      if (cur === this.loadVal) {
        this.loadRes = -1;
        if (rd !== 0) this.x[rd] = 0;
        this.stSlow(va, 4, value, k);
        return;
      }
    }
    this.loadRes = -1;
    if (rd !== 0) this.x[rd] = 1;
  }

  private ldSlowForStore(va: number, k: number): number {
    // Check store permission first: an AMO that faults reports a store fault.
    this.translate(va, Access.STORE, this.dataMmu, k);
    return this.ldSlow(va, 4, true, k);
  }

  /** AMO read-modify-write: `f` 0 swap, 1 add, 2 xor, 3 and, 4 or, 5 min, 6 max, 7 minu, 8 maxu. */
  amo(f: number, va: number, rd: number, src: number, k: number): void {
    if ((va & 3) !== 0) this.raise(Cause.LOAD_MISALIGNED, va, k);
    const old = this.ldSlowForStore(va, k);
    let nv: number;
    switch (f) {
      case 0: nv = src; break;
      case 1: nv = (old + src) | 0; break;
      case 2: nv = old ^ src; break;
      case 3: nv = old & src; break;
      case 4: nv = old | src; break;
      case 5: nv = old < src ? old : src; break;
      case 6: nv = old > src ? old : src; break;
      case 7: nv = old >>> 0 < src >>> 0 ? old : src; break;
      default: nv = old >>> 0 > src >>> 0 ? old : src; break;
    }
    // rd first: a store that hits the running block's code page leaves it right after.
    if (rd !== 0) this.x[rd] = old;
    this.stSlow(va, 4, nv, k);
  }
}

const IRQ_PRIORITY = [Irq.MEI, Irq.MSI, Irq.MTI, Irq.SEI, Irq.SSI, Irq.STI];
