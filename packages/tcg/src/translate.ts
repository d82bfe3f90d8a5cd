import { Cause } from './cause.js';
import type { Cpu } from './cpu.js';
import { Decoded, OP_NAMES, Op, decode } from './decode.js';
import { Interpreter, execute } from './interp.js';
import { div, divu, mulh, mulhsu, mulhu, rem, remu } from './internal/mulh.js';
import { TLB_SIZE, tlbResetDirtyRange } from './tlb.js';
import { TbExit, TranslationBlock } from './tb.js';
import { TbHashTable } from './tbHash.js';
import type { TbFunction } from './tb.js';

/** Most guest instructions in one block. */
export const TB_MAX_INSNS = 256;
/**
 * Budget of generated JavaScript per block, in characters. Checked after each
 * instruction while generating, instead of reserving room for a worst case up front
 * (upstream b125f9dc7b).
 */
export const TB_CODE_BUDGET = 32 * 1024;
/**
 * Average guest code bytes per block, measured over the guest suite in tools/guests
 * (24.3 bytes, 15 programs): the hash table is sized from it and the size of the
 * executable segments, so it does not have to grow while a guest runs (upstream
 * 126d89e8cd picked QEMU's CODE_GEN_AVG_BLOCK_SIZE from a survey the same way).
 */
export const TB_AVG_GUEST_BYTES = 24;
/**
 * Most straight-line runs in one cached block (see `Translator.discover`). Measured on
 * bench.elf: each run added lets more loops stay inside one function, but V8 compiles
 * a function whose paths have not all run yet without type feedback for them, and
 * deoptimizes and recompiles it when they first run; past three runs per block those
 * recompilations of long-running functions cost more than the dispatches they save.
 */
export const TB_MAX_RUNS = 3;
/** Entries of the per-CPU jump cache (virtual pc → block). */
export const TB_JMP_CACHE_SIZE = 4096;

/** Receives one line per translated block when tracing is on. */
export type TbTraceSink = (tb: TranslationBlock) => void;

/**
 * Where the translator reports pages that now hold code (QEMU's
 * tlb_protect_code), e.g. `CodePageProtection` over the CODE dirty client.
 */
export interface CodePageProtector {
  /** Called once per RAM page, when its first block is translated. */
  protect(ramPage: number): void;
}

const PARAMS = [
  'T', 'cpu', 'x', 'tagR', 'addR', 'tagW', 'addW', 'r8', 'ri8', 'r16', 'ri16', 'r32',
  'ex', 'D', 'mulh', 'mulhsu', 'mulhu', 'div', 'divu', 'rem', 'remu',
];

/** A block's decoded instructions, in insn_start order (see `Translator.discover`). */
interface Region {
  decs: Decoded[];
  /** Guest pc of each instruction. */
  pcs: number[];
  /** Index of the instruction at a pc (its first copy). */
  index: Map<number, number>;
  /** Jump targets; the first is the block's pc. */
  labels: number[];
  /** For each instruction, the index of the last instruction of its straight-line run. */
  runEnd: number[];
  /** Pcs after the calls in the block (where their `ret` lands). */
  returnSites: number[];
  /** Likely target of the `jalr` at an index (its base register set by lui/auipc/addi). */
  guess: Map<number, number>;
}

interface EmitContext {
  r: Region;
  /** Stores of the registers the block writes, back into the register file. */
  regs: string;
  oneShot: boolean;
  caseOf: Map<number, number>;
  tbPc: number;
  priv: number;
  mmuBase: number;
  /** The inner loop being generated: its first and last instruction. */
  loop: { t: number; end: number } | null;
}

/**
 * Loops that may be JavaScript loops of their own: a branch or jump back to an earlier
 * instruction of its own run, with no other jump target in between (nothing enters the
 * body but its head). Their back-edges then skip the block's switch. Returns head index
 * → index of the last back-edge.
 */
function innerLoops(r: Region, caseOf: Map<number, number>, bps: Set<number>, bpFrom: number): Map<number, number> {
  const { decs, pcs } = r;
  const heads = new Map<number, number>();
  for (let m = 0; m < decs.length; m++) {
    const d = decs[m]!;
    if (!((d.op >= Op.BEQ && d.op <= Op.BGEU) || d.op === Op.JAL)) continue;
    if (bps.size !== 0 && m >= bpFrom && bps.has(pcs[m]!)) continue;
    const target = (pcs[m]! + d.imm) | 0;
    const t = r.index.get(target);
    if (t === undefined || t > m || !caseOf.has(target) || r.runEnd[t] !== r.runEnd[m]) continue;
    heads.set(t, Math.max(heads.get(t) ?? -1, m));
  }
  const loops = new Map<number, number>();
  for (const [t, end] of heads) {
    let inner = false;
    for (let k = t + 1; k <= end && !inner; k++) inner = r.index.get(pcs[k]!) === k && caseOf.has(pcs[k]!);
    if (!inner) loops.set(t, end);
  }
  return loops;
}

/** Instructions whose helper may end the block at the next instruction (restore(k + 1)). */
function storeLike(op: number): boolean {
  return (op >= Op.SB && op <= Op.SW) || op === Op.SC || (op >= Op.AMOSWAP && op <= Op.AMOMAXU);
}

/** Leaves the block's loop for the epilogue: next pc (an expression), count, exit index. */
function exit(pc: string, n: number, slot: number): string {
  return `xp=${pc};xn=${n};xs=${slot};break L;`;
}

function reg(i: number): string {
  return i === 0 ? '0' : `g${i}`;
}

/** True for instructions after which a block must end. */
function endsBlock(op: number): boolean {
  switch (op) {
    case Op.JAL: case Op.JALR: case Op.FENCE_I: case Op.ECALL: case Op.EBREAK: case Op.ILLEGAL:
    case Op.MRET: case Op.SRET: case Op.WFI: case Op.SFENCE_VMA:
    case Op.CSRRW: case Op.CSRRS: case Op.CSRRC: case Op.CSRRWI: case Op.CSRRSI: case Op.CSRRCI:
      return true;
    default:
      return false;
  }
}

/**
 * The translator and its block cache: turns guest code into {@link TranslationBlock}s
 * compiled with `new Function` (a cached block is a region of its page: up to
 * {@link TB_MAX_RUNS} straight-line runs reached by same-page branches, jumps, calls
 * and returns, which jump to each other inside the function; guest registers and the
 * instruction counter are JavaScript locals written back at exits and before
 * helpers), keeps them in a hash keyed by physical pc and flags
 * plus a per-CPU jump cache, chains blocks whose successor is known, and invalidates a
 * page's blocks when the guest stores to it (the CODE-page protection of QEMU's
 * softmmu: through memory-core's CODE dirty client when {@link Translator.codeProtection}
 * is set, as on `VirtMachine`, else with the per-page bitmap `Cpu.codePages` alone).
 */
export class Translator {
  private readonly hash = new TbHashTable();
  private readonly pageTbs = new Map<number, TranslationBlock[]>();
  private readonly jmpCache: (TranslationBlock | null)[] = new Array<TranslationBlock | null>(TB_JMP_CACHE_SIZE).fill(null);
  private readonly interp: Interpreter;
  /** Blocks translated since creation (statistics). */
  translated = 0;
  /** Blocks entered from the run loop (statistics). */
  dispatches = 0;
  /** Blocks invalidated by stores to their page (statistics). */
  invalidated = 0;
  /** One-shot (uncached) blocks translated and run, see {@link Translator.runOneShot} (statistics). */
  oneShots = 0;
  trace: TbTraceSink | null = null;
  /** Exit slots handed out while generating the current block. */
  private slots = 0;
  /**
   * Code-page protection through the CODE dirty client, which then owns
   * `cpu.codePages`; null: the translator keeps `cpu.codePages` itself (a CPU
   * without memory-core dirty tracking).
   */
  codeProtection: CodePageProtector | null = null;

  constructor(private readonly cpu: Cpu) {
    this.interp = new Interpreter(cpu);
    cpu.onCodeWrite = (page) => this.invalidatePage(page);
    cpu.onTlbFlush = () => this.jmpCache.fill(null);
  }

  /** Drops every block (tb_flush). */
  flush(): void {
    if (this.cpu.curTb !== null) this.cpu.eventAt = 0;
    for (const tb of this.hash.values()) tb.valid = false;
    this.hash.clear();
    // With CODE-client protection the pages stay protected, as after QEMU's
    // tb_flush: the next store to one finds no block and unprotects it.
    if (this.codeProtection === null) for (const page of this.pageTbs.keys()) this.cpu.codePages[page] = 0;
    this.pageTbs.clear();
    this.jmpCache.fill(null);
  }

  /** Sizes the block hash table for `codeBytes` bytes of guest code (see {@link TB_AVG_GUEST_BYTES}). */
  reserveFor(codeBytes: number): void {
    this.hash.reserve(Math.min(Math.ceil(codeBytes / TB_AVG_GUEST_BYTES), 1 << 20));
  }

  /** Times the block hash table had to grow (statistics). */
  get hashResizes(): number {
    return this.hash.resizes;
  }

  /** Number of valid blocks in the cache. */
  get size(): number {
    return this.hash.size;
  }

  /**
   * tb_invalidate_phys_page for RAM page `page`: drops its blocks and unprotects the page.
   * Returns true if the block running now was one of them.
   */
  invalidatePage(page: number): boolean {
    const cpu = this.cpu;
    if (this.codeProtection === null) cpu.codePages[page] = 0;
    const list = this.pageTbs.get(page);
    if (!list) return false;
    this.pageTbs.delete(page);
    let hit = false;
    for (const tb of list) {
      if (!tb.valid) continue;
      tb.valid = false;
      this.invalidated++;
      if (tb === cpu.curTb) {
        // The running block stops at its next jump: its loops test `ev`, which every
        // helper that can get here reloads from eventAt.
        hit = true;
        cpu.eventAt = 0;
      }
      this.hash.remove(tb);
    }
    return hit;
  }

  /** Blocks on RAM page `page` that a store there would invalidate (cached and running one-shot ones). */
  blocksOnPage(page: number): number {
    return this.pageTbs.get(page)?.length ?? 0;
  }

  /**
   * Translates a one-shot block of at most `maxInsns` instructions at the current pc
   * and runs it once (QEMU's `cpu_exec_nocache`, CF_NOCACHE): the block is never put in
   * the hash table, the jump cache or a chain, and is discarded after it ran. While it
   * runs it is linked into its page's block list, as QEMU's tb_gen_code links it, so a
   * store to its own code invalidates it like any block; afterwards it is unlinked
   * (tb_phys_invalidate + tb_free). The unlinking sits in `finally`, so it also happens
   * when execution leaves the block abnormally: a guest fault ({@link GUEST_TRAP}), an
   * exit request ({@link EXIT_TB}) or a host exception from a device callback (upstream
   * d8a499f17e: cpu_exec_nocache's cleanup was skipped when the loop was left by a
   * longjmp).
   *
   * memvisor uses one-shot blocks where a cached block would be wrong or wasted: the
   * tail of an instruction budget shorter than the cached block at pc (QEMU's original
   * use, an icount budget that expires inside a block: caching the truncated block
   * would shadow the full one), and `VirtMachine.step()` on the JIT engine (a
   * one-instruction block the next run has no use for). QEMU 7.2 handles both by
   * caching blocks with the count in their cflags; memvisor's hash key has no cflags,
   * so it keeps the uncached form.
   *
   * Returns false, having run nothing, when the pc cannot be translated (not RAM, or
   * the fetch would fault): the caller then runs the instruction with the interpreter,
   * which raises the fetch fault.
   * @param maxInsns - at least 1; fewer may run if an instruction ends the block
   * @param overBreakpoint - run the first instruction even if a breakpoint is set on it
   *   (a single step, or resuming from that breakpoint); later ones still stop
   */
  runOneShot(maxInsns: number, overBreakpoint = false): boolean {
    const cpu = this.cpu;
    const pc = cpu.pc;
    const flags = cpu.priv | (cpu.dataMmu << 2);
    const pa = cpu.probeFetch(pc);
    if (pa < 0) return false;
    const off = pa - cpu.ramBase;
    if (off < 0 || off >= cpu.ramSize) return false;
    const tb = this.translate(pc, pa, flags, Math.max(1, Math.min(maxInsns, TB_MAX_INSNS)), true, overBreakpoint ? 1 : 0);
    if (tb === null) return false;
    this.oneShots++;
    cpu.curTb = tb;
    try {
      tb.fn();
    } finally {
      cpu.curTb = null;
      tb.valid = false;
      this.unlinkPage(tb);
    }
    return true;
  }

  /** Takes `tb` off its page's block list (the page stays protected, as after tb_flush). */
  private unlinkPage(tb: TranslationBlock): void {
    const list = this.pageTbs.get(tb.ramPage);
    if (!list) return;
    const i = list.indexOf(tb);
    if (i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.pageTbs.delete(tb.ramPage);
  }

  /** Runs blocks until instret reaches eventAt (the cpu_exec inner loop; hot path). */
  runUntilEvent(): void {
    const cpu = this.cpu;
    let tb: TranslationBlock | null = null;
    let last: number = TbExit.NOCHAIN;
    while (cpu.instret < cpu.eventAt) {
      let next: TranslationBlock | null = null;
      if (tb !== null && last >= 0) next = tb.jmp[last]!;
      if (next === null || !next.valid) {
        next = this.lookup(cpu.pc);
        if (next === null) {
          cpu.curTb = null;
          this.interp.step();
          tb = null;
          continue;
        }
        if (tb !== null && last >= 0 && tb.valid && (tb.pc & ~0xfff) === (next.pc & ~0xfff)) {
          tb.jmp[last] = next;
        }
      }
      if (cpu.instret + next.maxRun > cpu.budgetAt) {
        // The budget ends inside this block: run only what is left, uncached.
        cpu.curTb = null;
        if (!this.runOneShot(cpu.budgetAt - cpu.instret)) this.interp.step();
        tb = null;
        continue;
      }
      tb = next;
      cpu.curTb = tb;
      this.dispatches++;
      last = tb.fn();
    }
    cpu.curTb = null;
  }

  /** tb_lookup: the block for `pc` under the current flags, translating it if needed; null if it cannot be translated. */
  lookup(pc: number): TranslationBlock | null {
    const cpu = this.cpu;
    const flags = cpu.priv | (cpu.dataMmu << 2);
    const h = (pc >>> 1) & (TB_JMP_CACHE_SIZE - 1);
    let tb: TranslationBlock | null = this.jmpCache[h] ?? null;
    if (tb !== null && tb.pc === pc && tb.flags === flags && tb.valid) return tb;
    const pa = cpu.probeFetch(pc);
    if (pa < 0) return null;
    const off = pa - cpu.ramBase;
    if (off < 0 || off >= cpu.ramSize) return null;
    tb = this.hash.lookup(pa, pc | 0, flags);
    if (tb === null || !tb.valid) {
      tb = this.translate(pc, pa, flags);
      if (tb === null) return null;
    }
    this.jmpCache[h] = tb;
    return tb;
  }

  private translate(
    pc: number, pa: number, flags: number, maxInsns = TB_MAX_INSNS, oneShot = false, bpFrom = 0,
  ): TranslationBlock | null {
    let limit = maxInsns;
    for (;;) {
      const region = this.discover(pc, pa, limit, !oneShot, bpFrom);
      if (region === null) return null;
      const out = this.generate(region, pc, flags, oneShot, bpFrom);
      // Over the code budget (checked while generating, upstream b125f9dc7b): translate
      // again, ending the block before the instruction that crossed it.
      if (typeof out === 'number') {
        limit = out;
        continue;
      }
      return this.install(region, out, pc, pa, flags, oneShot);
    }
  }

  /**
   * Decodes the guest code of a block. A cached block is a region of its page: from
   * `pc`, straight-line code is followed through not-taken branches, and the targets of
   * branches, direct jumps and calls on the same page, the return sites of calls and
   * the likely targets of `jalr` (a register set by lui/auipc/addi just before) are
   * decoded too, breadth first, up to `limit` instructions. Jumps between them then
   * stay inside the block's function, so loops and calls within a page cost no
   * dispatch. A one-shot block is a plain trace of at most `limit` instructions.
   */
  private discover(pc: number, pa: number, limit: number, region: boolean, bpFrom: number): Region | null {
    const cpu = this.cpu;
    const ram16 = cpu.ram16;
    const pageBase = pc & ~0xfff;
    const pageOff = pa - cpu.ramBase - (pc & 0xfff);
    const onPage = (t: number): boolean => (t & ~0xfff) === pageBase;
    const r: Region = { decs: [], pcs: [], index: new Map(), labels: [pc | 0], runEnd: [], returnSites: [], guess: new Map() };
    const isLabel = new Set<number>([pc | 0]);
    const excluded = new Set<number>();
    const addLabel = (t: number): void => {
      if (!isLabel.has(t)) {
        isLabel.add(t);
        r.labels.push(t);
        work.push(t);
      }
    };
    const work: number[] = [pc | 0];
    const bps = cpu.breakpoints;
    const known = new Map<number, number>();
    let w = 0;
    let runs = 0;
    while (w < work.length && r.decs.length < limit) {
      let cur = work[w++]!;
      if (r.index.has(cur) || excluded.has(cur)) continue;
      if (runs++ >= TB_MAX_RUNS) break;
      const runStart = r.decs.length;
      known.clear();
      let dup = false;
      let pageEnd = false;
      for (;;) {
        if (r.decs.length >= limit) break;
        const po = cur & 0xfff;
        pageEnd = !onPage(cur);
        if (pageEnd) break;
        const lo = ram16[(pageOff + po) >>> 1]!;
        let insn = lo;
        if ((lo & 3) === 3) {
          pageEnd = po + 4 > 0x1000;
          if (pageEnd) break;
          insn = lo | (ram16[(pageOff + po + 2) >>> 1]! << 16);
        }
        const d = new Decoded();
        decode(insn, d);
        const k = r.decs.length;
        r.decs.push(d);
        r.pcs.push(cur);
        if (!dup) r.index.set(cur, k);
        const next = (cur + d.len) | 0;
        if (bps.size !== 0 && k >= bpFrom && bps.has(cur)) break;
        if (region) {
          const op = d.op;
          if (op >= Op.BEQ && op <= Op.BGEU) {
            const t = (cur + d.imm) | 0;
            if (onPage(t)) addLabel(t);
          } else if (op === Op.JAL) {
            const t = (cur + d.imm) | 0;
            if (onPage(t)) addLabel(t);
            if (d.rd !== 0 && onPage(next)) {
              addLabel(next);
              r.returnSites.push(next);
            }
          } else if (op === Op.JALR) {
            const base = known.get(d.rs1);
            if (base !== undefined && onPage((base + d.imm) & -2)) {
              addLabel((base + d.imm) & -2);
              r.guess.set(k, (base + d.imm) & -2);
            }
            if (d.rd !== 0 && onPage(next)) {
              addLabel(next);
              r.returnSites.push(next);
            }
          }
          if (op === Op.LUI) known.set(d.rd, d.imm);
          else if (op === Op.AUIPC) known.set(d.rd, (cur + d.imm) | 0);
          else if (op === Op.ADDI && known.has(d.rs1)) known.set(d.rd, (known.get(d.rs1)! + d.imm) | 0);
          else if (d.rd !== 0) known.delete(d.rd);
        }
        if (endsBlock(d.op)) break;
        cur = next;
        if (r.index.has(cur)) {
          // The run falls into code already in the block. After a store the next
          // instruction must follow it in insn_start order (a store that ends the block
          // restores the pc of k + 1), so that one is decoded again here.
          if (!storeLike(d.op)) {
            addLabel(cur);
            break;
          }
          dup = true;
        } else dup = false;
      }
      let end = r.decs.length - 1;
      // A run cut by the page end with a store last would give that store the wrong
      // k + 1 if another run followed: leave the store to the next block.
      while (pageEnd && end >= runStart && storeLike(r.decs[end]!.op)) {
        if (r.index.get(r.pcs[end]!) === end) r.index.delete(r.pcs[end]!);
        excluded.add(r.pcs[end]!);
        r.decs.length = end;
        r.pcs.length = end;
        end--;
      }
      if (end < runStart) {
        if (runStart === 0) return null;
        continue;
      }
      for (let k = runStart; k <= end; k++) r.runEnd.push(end);
    }
    if (r.decs.length === 0) return null;
    return r;
  }

  /**
   * Generates the block's JavaScript, checking the code budget after each instruction;
   * returns the instruction count to retry with when the budget ran out.
   */
  private generate(r: Region, pc: number, flags: number, oneShot: boolean, bpFrom: number): string | number {
    const cpu = this.cpu;
    const { decs, pcs } = r;
    const n = decs.length;
    const priv = flags & 3;
    const mmuBase = (flags >>> 2) * TLB_SIZE;
    // Guest registers live in JavaScript locals inside the block; every exit, and every
    // helper that may raise or read the register file, writes back the ones the block
    // writes (a superset is harmless: the others still hold what was loaded).
    const used = new Set<number>();
    const written = new Set<number>();
    for (const d of decs) {
      if (d.rd !== 0) {
        used.add(d.rd);
        written.add(d.rd);
      }
      if (d.rs1 !== 0) used.add(d.rs1);
      if (d.rs2 !== 0) used.add(d.rs2);
    }
    // The instruction counter and the event limit are locals too (`ic`, `ev`): `ic` is
    // stored before every helper and `ev` reloaded after every helper that may move it.
    // Exits leave the loop with the next pc, count and exit index in `xp`, `xn`, `xs`
    // to one epilogue that writes the registers back; a helper that throws (a guest
    // fault, EXIT_TB, a host error) passes through the catch that does the same.
    const regs = [...written].map((g) => `x[${g}]=g${g};`).join('');
    const decl = `let j=0,ic=cpu.instret,ev=cpu.eventAt,xp=0,xn=0,xs=0${[...used].map((g) => `,g${g}=x[${g}]`).join('')};`;
    const caseOf = new Map<number, number>();
    for (const t of r.labels) if (r.index.has(t)) caseOf.set(t, caseOf.size);
    const ctx: EmitContext = { r, regs, oneShot, caseOf, tbPc: pc, priv, mmuBase, loop: null };
    const bps = cpu.breakpoints;
    const loops = oneShot ? new Map<number, number>() : innerLoops(r, caseOf, bps, bpFrom);
    const body: string[] = [];
    let size = 0;
    this.slots = 0;
    for (let k = 0; k < n; k++) {
      const d = decs[k]!;
      const at = pcs[k]!;
      if (r.index.get(at) === k && caseOf.has(at) && caseOf.size > 1) body.push(`case ${caseOf.get(at)!}:`);
      const loopEnd = loops.get(k);
      if (loopEnd !== undefined) {
        body.push(`W${k}:for(;;){`);
        ctx.loop = { t: k, end: loopEnd };
      }
      let code: { src: string; ends: boolean };
      if (bps.size !== 0 && k >= bpFrom && bps.has(at)) {
        // Checked after this instruction's insn_start (upstream b933066ae0): the stop
        // restores exactly this pc, and nothing of the instruction has run.
        code = { src: `cpu.stopReason="breakpoint";cpu.eventAt=0;${exit(String(at), k, TbExit.REQUESTED)}`, ends: true };
      } else {
        code = this.emit(d, at, k, ctx);
      }
      body.push(code.src);
      if (!code.ends && r.runEnd[k] === k) body.push(this.goto((at + d.len) | 0, k, ctx));
      if (ctx.loop !== null && ctx.loop.end === k) {
        body.push('break;}');
        ctx.loop = null;
      }
      size += code.src.length;
      if (size > TB_CODE_BUDGET && k + 1 < n) return k + 1;
    }
    const name = `tb_${(pc >>> 0).toString(16)}`;
    const loop = caseOf.size === 1 ? `L:for(;;){\n${body.join('\n')}\n}` : `L:for(;;){switch(j){\n${body.join('\n')}\n}}`;
    return `"use strict";return function ${name}(){${decl}try{${loop}}catch(e){${regs}throw e;}` +
      `${regs}cpu.instret=ic+xn;cpu.pc=xp;return xs;};`;
  }

  /**
   * Control transfer from instruction `m` to `target`: inside the function when the
   * target is in the block and the run that starts there fits before the next event (so
   * a budget ends exactly; invalidating the running block zeroes eventAt, so a store to
   * its own code leaves it here, as QEMU leaves the TB);
   * otherwise an exit, chainable when the target is on the block's page.
   *
   * instret: inside a block `cpu.instret + k` is the count before instruction `k` (the
   * index helpers get), so a jump from `m` to `t` adds `m + 1 - t`.
   */
  private goto(target: number, m: number, c: EmitContext): string {
    target |= 0;
    const slot = (target & ~0xfff) === (c.tbPc & ~0xfff) && !c.oneShot ? this.slots++ : TbExit.NOCHAIN;
    const t = c.oneShot || !c.caseOf.has(target) ? undefined : c.r.index.get(target);
    if (t === undefined) return exit(String(target), m + 1, slot);
    const run = c.r.runEnd[t]! - t + 1;
    const inLoop = c.loop !== null && c.loop.t === t && m >= t && m <= c.loop.end;
    const go = inLoop ? `continue W${t};` : `${c.caseOf.size > 1 ? `j=${c.caseOf.get(target)!};` : ''}continue L;`;
    return `ic+=${m + 1 - t};if(ic+${t + run}<=ev){${go}}` +
      exit(String(target), t, slot);
  }

  private install(r: Region, src: string, pc: number, pa: number, flags: number, oneShot: boolean): TranslationBlock {
    const cpu = this.cpu;
    const { decs, pcs } = r;
    const k = decs.length;
    const last = k - 1;
    const insnPc = Int32Array.from([...pcs, (pcs[last]! + decs[last]!.len) | 0]);
    const ramPage = (pa - cpu.ramBase) >>> 12;
    const tb = new TranslationBlock(pc | 0, pa, flags, k, insnPc, ramPage, src, this.slots, oneShot, r.runEnd[0]! + 1);
    const factory = new Function(...PARAMS, src) as (...args: unknown[]) => TbFunction;
    tb.fn = factory(
      tb, cpu, cpu.x, cpu.tlb.tagR, cpu.tlb.addR, cpu.tlb.tagW, cpu.tlb.addW,
      cpu.ram8, cpu.ramI8, cpu.ram16, cpu.ramI16, cpu.ram32,
      execute, decs, mulh, mulhsu, mulhu, div, divu, rem, remu,
    );
    if (!oneShot) this.hash.insert(tb);
    let list = this.pageTbs.get(ramPage);
    if (!list) {
      list = [];
      this.pageTbs.set(ramPage, list);
    }
    list.push(tb);
    if (this.codeProtection !== null) {
      if (list.length === 1) this.codeProtection.protect(ramPage);
    } else if (!cpu.codePages[ramPage]) {
      tlbResetDirtyRange(cpu, ramPage, ramPage + 1);
    }
    if (!oneShot) this.translated++;
    if (this.trace) this.trace(tb);
    if ((cpu.logMask & 1) !== 0 && cpu.logSink) {
      const dis = decs.map((d, i) => `0x${(pcs[i]! >>> 0).toString(16)}: ${OP_NAMES[d.op]}`).join('\n');
      cpu.logSink('in_asm', `TB pc=0x${(pc >>> 0).toString(16)} phys=0x${pa.toString(16)} flags=${flags} n=${k}\n${dis}`);
    }
    return tb;
  }

  /** Generates the JavaScript of one instruction; `ends` is true when it ends the block. */
  private emit(d: Decoded, pc: number, k: number, c: EmitContext): { src: string; ends: boolean } {
    const { regs, priv, mmuBase } = c;
    const rd = d.rd;
    const a = reg(d.rs1);
    const b = reg(d.rs2);
    const imm = d.imm;
    const next = (pc + d.len) | 0;
    const set = (expr: string): string => (rd === 0 ? '' : `g${rd}=${expr};`);
    const n = k + 1;
    const jump = (target: number): string => this.goto(target, k, c);
    const fall = (): string => exit(String(next), n, TbExit.NOCHAIN);
    // Conditional branches do not end the run: the not-taken path is translated on.
    const br = (cond: string): { src: string; ends: boolean } => ({
      src: `if(${cond}){${jump((pc + imm) | 0)}}`,
      ends: false,
    });
    // jalr: a return site or the likely target in the block is reached inside the function.
    const jalr = (): string => {
      let cases = '';
      if (!c.oneShot) {
        const seen = new Set<number>();
        const g = c.r.guess.get(k);
        for (const t of g !== undefined ? [g, ...c.r.returnSites] : c.r.returnSites) {
          if (seen.size >= 16 || !c.caseOf.has(t) || seen.has(t)) continue;
          seen.add(t);
          cases += `case ${t}:${jump(t)}`;
        }
      }
      return `{const t=(${a}+${imm})&-2;${set(String(next))}${cases ? `switch(t){${cases}}` : ''}${exit('t', n, TbExit.NOCHAIN)}}`;
    };
    const va = `(${a}+${imm})|0`;
    const load = (check: string, fast: string, size: number, signed: boolean): string =>
      `{const va=${va},vpn=va>>>12,e=${mmuBase}+(vpn&${TLB_SIZE - 1});` +
      `let v;if(tagR[e]===vpn${check})v=${fast};else{cpu.instret=ic;v=cpu.ldSlow(va,${size},${signed},${k});ev=cpu.eventAt;}${set('v')}}`;
    const store = (check: string, fast: string, size: number): string =>
      `{const va=${va},vpn=va>>>12,e=${mmuBase}+(vpn&${TLB_SIZE - 1});` +
      `if(tagW[e]===vpn${check})${fast}=${b};else{cpu.instret=ic;cpu.stSlow(va,${size},${b},${k});ev=cpu.eventAt;}}`;
    const helperEnd = (): { src: string; ends: boolean } => ({
      src: `${regs}cpu.instret=ic;ex(cpu,D[${k}],${pc},${k});cpu.instret+=${n};return ${TbExit.REQUESTED};`,
      ends: true,
    });
    switch (d.op) {
      case Op.LUI: return { src: set(String(imm)), ends: false };
      case Op.AUIPC: return { src: set(String((pc + imm) | 0)), ends: false };
      case Op.JAL: return { src: set(String(next)) + jump((pc + imm) | 0), ends: true };
      case Op.JALR: return { src: jalr(), ends: true };
      case Op.BEQ: return br(`${a}===${b}`);
      case Op.BNE: return br(`${a}!==${b}`);
      case Op.BLT: return br(`${a}<${b}`);
      case Op.BGE: return br(`${a}>=${b}`);
      case Op.BLTU: return br(`(${a}>>>0)<(${b}>>>0)`);
      case Op.BGEU: return br(`(${a}>>>0)>=(${b}>>>0)`);
      case Op.LB: return { src: load('', 'ri8[(va+addR[e])|0]', 1, true), ends: false };
      case Op.LBU: return { src: load('', 'r8[(va+addR[e])|0]', 1, false), ends: false };
      case Op.LH: return { src: load('&&(va&1)===0', 'ri16[((va+addR[e])|0)>>1]', 2, true), ends: false };
      case Op.LHU: return { src: load('&&(va&1)===0', 'r16[((va+addR[e])|0)>>1]', 2, false), ends: false };
      case Op.LW: return { src: load('&&(va&3)===0', 'r32[((va+addR[e])|0)>>2]', 4, true), ends: false };
      case Op.SB: return { src: store('', 'r8[(va+addW[e])|0]', 1), ends: false };
      case Op.SH: return { src: store('&&(va&1)===0', 'r16[((va+addW[e])|0)>>1]', 2), ends: false };
      case Op.SW: return { src: store('&&(va&3)===0', 'r32[((va+addW[e])|0)>>2]', 4), ends: false };
      case Op.ADDI: return { src: set(d.rs1 === 0 ? String(imm) : `(${a}+${imm})|0`), ends: false };
      case Op.SLTI: return { src: set(`${a}<${imm}?1:0`), ends: false };
      case Op.SLTIU: return { src: set(`(${a}>>>0)<${imm >>> 0}?1:0`), ends: false };
      case Op.XORI: return { src: set(`${a}^${imm}`), ends: false };
      case Op.ORI: return { src: set(`${a}|${imm}`), ends: false };
      case Op.ANDI: return { src: set(`${a}&${imm}`), ends: false };
      case Op.SLLI: return { src: set(`${a}<<${imm}`), ends: false };
      case Op.SRLI: return { src: set(`(${a}>>>${imm})|0`), ends: false };
      case Op.SRAI: return { src: set(`${a}>>${imm}`), ends: false };
      case Op.ADD: return { src: set(`(${a}+${b})|0`), ends: false };
      case Op.SUB: return { src: set(`(${a}-${b})|0`), ends: false };
      case Op.SLL: return { src: set(`${a}<<${b}`), ends: false };
      case Op.SLT: return { src: set(`${a}<${b}?1:0`), ends: false };
      case Op.SLTU: return { src: set(`(${a}>>>0)<(${b}>>>0)?1:0`), ends: false };
      case Op.XOR: return { src: set(`${a}^${b}`), ends: false };
      case Op.SRL: return { src: set(`(${a}>>>${b})|0`), ends: false };
      case Op.SRA: return { src: set(`${a}>>${b}`), ends: false };
      case Op.OR: return { src: set(`${a}|${b}`), ends: false };
      case Op.AND: return { src: set(`${a}&${b}`), ends: false };
      case Op.MUL: return { src: set(`Math.imul(${a},${b})`), ends: false };
      case Op.MULH: return { src: set(`mulh(${a},${b})`), ends: false };
      case Op.MULHSU: return { src: set(`mulhsu(${a},${b})`), ends: false };
      case Op.MULHU: return { src: set(`mulhu(${a},${b})`), ends: false };
      case Op.DIV: return { src: set(`div(${a},${b})`), ends: false };
      case Op.DIVU: return { src: set(`divu(${a},${b})`), ends: false };
      case Op.REM: return { src: set(`rem(${a},${b})`), ends: false };
      case Op.REMU: return { src: set(`remu(${a},${b})`), ends: false };
      case Op.FENCE: return { src: '', ends: false };
      case Op.FENCE_I: return { src: fall(), ends: true };
      case Op.ECALL:
        return { src: `cpu.instret=ic;cpu.raise(${Cause.ECALL_U + priv},0,${k});`, ends: true };
      case Op.EBREAK:
        return { src: `cpu.instret=ic;cpu.raise(${Cause.BREAKPOINT},0,${k});`, ends: true };
      case Op.ILLEGAL:
        return { src: `cpu.instret=ic;cpu.raise(${Cause.ILLEGAL_INSN},${d.raw | 0},${k});`, ends: true };
      case Op.LR: case Op.SC:
      case Op.AMOSWAP: case Op.AMOADD: case Op.AMOXOR: case Op.AMOAND: case Op.AMOOR:
      case Op.AMOMIN: case Op.AMOMAX: case Op.AMOMINU: case Op.AMOMAXU:
        return { src: `${regs}cpu.instret=ic;ex(cpu,D[${k}],${pc},${k});ev=cpu.eventAt;${rd !== 0 ? `g${rd}=x[${rd}];` : ''}`, ends: false };
      default:
        // CSR, mret, sret, wfi, sfence.vma: through the interpreter's semantics, then
        // back to the loop so interrupts and privilege changes are seen at once.
        return helperEnd();
    }
  }
}
