import type { InsnStartData } from './cpu.js';

/**
 * Exit indices a translated block returns (QEMU's generic TB_EXIT_* indices, upstream
 * 9e0dc48c9f). A non-negative value is a direct-jump slot: the exit's target is known
 * and on the block's page, so the run loop may chain it (tb_add_jump into `jmp[slot]`).
 * memvisor blocks continue past not-taken branches, so a block may have more than the
 * two slots QEMU's have. NOCHAIN: the target was computed (jalr, mret) or lies on another
 * page. REQUESTED: the loop must look at interrupts and stop requests first.
 */
export const TbExit = { IDX0: 0, IDX1: 1, NOCHAIN: -1, REQUESTED: -2 } as const;

/** A translated block's compiled body: returns a {@link TbExit} index. */
export type TbFunction = () => number;

/**
 * A translation block: guest code from `pc` (virtual) / `physPc`, translated under
 * `flags` (privilege and data mmu index), compiled to one JavaScript function.
 */
export class TranslationBlock implements InsnStartData {
  /** Direct jump targets, one per exit slot, set when chained (tb_add_jump). */
  readonly jmp: (TranslationBlock | null)[];
  /** Cleared when the block is invalidated (its page was written, or a flush). */
  valid = true;
  fn: TbFunction = () => TbExit.REQUESTED;
  constructor(
    readonly pc: number,
    readonly physPc: number,
    readonly flags: number,
    /** Guest instructions in the block. */
    readonly n: number,
    /** insn_start data: pc of each instruction, then the pc after the block. */
    readonly insnPc: Int32Array,
    /** RAM page number holding the code. */
    readonly ramPage: number,
    /** Generated JavaScript, kept for `--trace`. */
    readonly source: string,
    /** Number of direct-jump exit slots. */
    slots: number,
    /**
     * A one-shot block (QEMU's CF_NOCACHE): translated for one execution, never in the
     * hash table, jump cache or a chain, discarded after it ran.
     */
    readonly oneShot = false,
    /**
     * Most instructions one call runs before it returns or checks the event counter
     * (its first straight-line run); the run loop gives a budget shorter than this to a
     * one-shot block instead.
     */
    readonly maxRun = n,
  ) {
    this.jmp = new Array<TranslationBlock | null>(slots).fill(null);
  }
}

/** One line describing a block, for `--trace` output: pc, physical pc, flags, size and exits. */
export function formatTb(tb: TranslationBlock): string {
  const hex = (v: number) => '0x' + (v >>> 0).toString(16).padStart(8, '0');
  return `TB ${hex(tb.pc)} phys=${hex(tb.physPc)} priv=${tb.flags & 3} dmmu=${tb.flags >>> 2} insns=${tb.n} exits=${tb.jmp.length}${tb.oneShot ? ' nocache' : ''}`;
}
