import { Cause } from './cause.js';
import type { Cpu } from './cpu.js';
import { Decoded, OP_NAMES, Op, decode } from './decode.js';
import { Interpreter, execute } from './interp.js';
import { div, divu, mulh, mulhsu, mulhu, rem, remu } from './internal/mulh.js';
import { TLB_SIZE } from './tlb.js';
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
export const TB_CODE_BUDGET = 48 * 1024;
/**
 * Average guest code bytes per block, measured over the guest suite in tools/guests
 * (24.3 bytes, 15 programs): the hash table is sized from it and the size of the
 * executable segments, so it does not have to grow while a guest runs (upstream
 * 126d89e8cd picked QEMU's CODE_GEN_AVG_BLOCK_SIZE from a survey the same way).
 */
export const TB_AVG_GUEST_BYTES = 24;
/** Placeholder for the block's length in generated loop checks, replaced once known. */
const LOOP_N = '@N@';

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
 * compiled with `new Function`, keeps them in a hash keyed by physical pc and flags
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
      if (tb === cpu.curTb) hit = true;
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
      if (cpu.instret + next.n > cpu.budgetAt) {
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
    const cpu = this.cpu;
    const priv = flags & 3;
    const mmuBase = (flags >>> 2) * TLB_SIZE;
    const off0 = pa - cpu.ramBase;
    const pageLeft = 0x1000 - (pc & 0xfff);
    const ram16 = cpu.ram16;
    const decs: Decoded[] = [];
    const pcs: number[] = [];
    let cur = pc | 0;
    // Pass 1: decode up to the first instruction that ends the block.
    for (let k = 0; k < maxInsns; k++) {
      const rel = (cur - pc) | 0;
      if (rel + 2 > pageLeft) break;
      const lo = ram16[(off0 + rel) >>> 1]!;
      let insn = lo;
      if ((lo & 3) === 3) {
        if (rel + 4 > pageLeft) break;
        insn = lo | (ram16[(off0 + rel + 2) >>> 1]! << 16);
      }
      const d = new Decoded();
      decode(insn, d);
      decs.push(d);
      pcs.push(cur);
      cur = (cur + d.len) | 0;
      if (endsBlock(d.op)) break;
    }
    if (decs.length === 0) return null;
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
    const wb = [...written].map((r) => `x[${r}]=g${r};`).join('');
    const decl = used.size > 0 ? `let ${[...used].map((r) => `g${r}=x[${r}]`).join(',')};` : '';
    // Pass 2: generate, checking the code budget as we go (upstream b125f9dc7b).
    const body: string[] = [];
    let size = 0;
    this.slots = 0;
    let ended = false;
    let k = 0;
    const bps = cpu.breakpoints;
    for (; k < decs.length; k++) {
      const d = decs[k]!;
      if (bps.size !== 0 && k >= bpFrom && bps.has(pcs[k]!)) {
        // Checked after this instruction's insn_start (upstream b933066ae0): the stop
        // restores exactly this pc, and nothing of the instruction has run.
        body.push(`${wb}cpu.pc=${pcs[k]!};cpu.instret+=${k};cpu.stopReason="breakpoint";cpu.eventAt=0;return ${TbExit.REQUESTED};`);
        ended = true;
        k++;
        break;
      }
      const code = this.emit(d, pcs[k]!, k, priv, mmuBase, pc, wb, oneShot);
      body.push(code.src);
      size += code.src.length;
      if (code.ends) {
        ended = true;
        k++;
        break;
      }
      if (size > TB_CODE_BUDGET) {
        k++;
        break;
      }
    }
    cur = (pcs[k - 1]! + decs[k - 1]!.len) | 0;
    decs.length = k;
    pcs.length = k;
    if (!ended) {
      const samePage = (cur & ~0xfff) === (pc & ~0xfff);
      body.push(`${wb}cpu.pc=${cur | 0};cpu.instret+=${k};return ${samePage && !oneShot ? this.slots++ : TbExit.NOCHAIN};`);
    }
    pcs.push(cur);
    const src = `"use strict";return function tb_${(pc >>> 0).toString(16)}(){${decl}L:for(;;){\n${body.join('\n').replaceAll(LOOP_N, String(k))}\n}};`;
    const ramPage = off0 >>> 12;
    const tb = new TranslationBlock(pc | 0, pa, flags, k, Int32Array.from(pcs), ramPage, src, this.slots, oneShot);
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
      cpu.codePages[ramPage] = 1;
      cpu.tlb.protectRamPage(ramPage);
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
  private emit(
    d: Decoded, pc: number, k: number, priv: number, mmuBase: number, tbPc: number, wb: string, oneShot: boolean,
  ): { src: string; ends: boolean } {
    const rd = d.rd;
    const a = reg(d.rs1);
    const b = reg(d.rs2);
    const imm = d.imm;
    const next = (pc + d.len) | 0;
    const set = (expr: string): string => (rd === 0 ? '' : `g${rd}=${expr};`);
    const n = k + 1;
    // A jump back to the block's own start loops inside the function while the whole
    // block (at most LOOP_N instructions, filled in once its length is known) fits before
    // the next event, so a budget ends exactly, and while the block is still valid (a store may have invalidated it): tight guest
    // loops then cost no dispatch at all.
    // A one-shot block neither loops (it would run past its instruction count) nor chains.
    const slot = (target: number): number =>
      (target & ~0xfff) === (tbPc & ~0xfff) && !oneShot ? this.slots++ : TbExit.NOCHAIN;
    const jump = (target: number): string =>
      (target | 0) === (tbPc | 0) && !oneShot
        ? `cpu.instret+=${n};if(cpu.instret+${LOOP_N}<=cpu.eventAt&&T.valid)continue L;${wb}cpu.pc=${target | 0};return ${slot(target)};`
        : `${wb}cpu.pc=${target | 0};cpu.instret+=${n};return ${slot(target)};`;
    const fall = (): string => `${wb}cpu.pc=${next};cpu.instret+=${n};return ${slot(next)};`;
    // Conditional branches do not end the block: the not-taken path is translated on
    // (a trace), so loops whose back-edge is a branch stay inside one function.
    const br = (cond: string): { src: string; ends: boolean } => ({
      src: `if(${cond}){${jump((pc + imm) | 0)}}`,
      ends: false,
    });
    const va = `(${a}+${imm})|0`;
    const load = (check: string, fast: string, size: number, signed: boolean): string =>
      `{const va=${va},vpn=va>>>12,e=${mmuBase}+(vpn&${TLB_SIZE - 1});` +
      `const v=(tagR[e]===vpn${check})?${fast}:(${wb.replace(/;/g, ',')}cpu.ldSlow(va,${size},${signed},${k}));${set('v')}}`;
    const store = (check: string, fast: string, size: number): string =>
      `{const va=${va},vpn=va>>>12,e=${mmuBase}+(vpn&${TLB_SIZE - 1});` +
      `if(tagW[e]===vpn${check})${fast}=${b};else{${wb}cpu.stSlow(va,${size},${b},${k});}}`;
    const helperEnd = (): { src: string; ends: boolean } => ({
      src: `${wb}ex(cpu,D[${k}],${pc},${k});cpu.instret+=${n};return ${TbExit.REQUESTED};`,
      ends: true,
    });
    switch (d.op) {
      case Op.LUI: return { src: set(String(imm)), ends: false };
      case Op.AUIPC: return { src: set(String((pc + imm) | 0)), ends: false };
      case Op.JAL: return { src: set(String(next)) + jump((pc + imm) | 0), ends: true };
      case Op.JALR:
        return { src: `{const t=(${a}+${imm})&-2;${set(String(next))}${wb}cpu.pc=t;cpu.instret+=${n};return ${TbExit.NOCHAIN};}`, ends: true };
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
        return { src: `${wb}cpu.raise(${Cause.ECALL_U + priv},0,${k});`, ends: true };
      case Op.EBREAK:
        return { src: `${wb}cpu.raise(${Cause.BREAKPOINT},0,${k});`, ends: true };
      case Op.ILLEGAL:
        return { src: `${wb}cpu.raise(${Cause.ILLEGAL_INSN},${d.raw | 0},${k});`, ends: true };
      case Op.LR: case Op.SC:
      case Op.AMOSWAP: case Op.AMOADD: case Op.AMOXOR: case Op.AMOAND: case Op.AMOOR:
      case Op.AMOMIN: case Op.AMOMAX: case Op.AMOMINU: case Op.AMOMAXU:
        return { src: `${wb}ex(cpu,D[${k}],${pc},${k});${rd !== 0 ? `g${rd}=x[${rd}];` : ''}`, ends: false };
      default:
        // CSR, mret, sret, wfi, sfence.vma: through the interpreter's semantics, then
        // back to the loop so interrupts and privilege changes are seen at once.
        return helperEnd();
    }
  }
}
