import type { InsnStartData } from './cpu.js';

/**
 * Exit indices a translated block returns (QEMU's TB_EXIT_* generic indices, upstream
 * 9e0dc48c9f): 0 and 1 are the two goto_tb slots that may be chained directly to the
 * next block; NOCHAIN means the target was computed (jalr, mret) or is on another page;
 * REQUESTED means the run loop must look at interrupts and stop requests first.
 */
export const TbExit = { IDX0: 0, IDX1: 1, NOCHAIN: 2, REQUESTED: 3 } as const;

/** A translated block's compiled body: returns a {@link TbExit} index. */
export type TbFunction = () => number;

/**
 * A translation block: guest code from `pc` (virtual) / `physPc`, translated under
 * `flags` (privilege and data mmu index), compiled to one JavaScript function.
 */
export class TranslationBlock implements InsnStartData {
  /** Direct jump targets for exits 0 and 1, set when chained (tb_add_jump). */
  jmp0: TranslationBlock | null = null;
  jmp1: TranslationBlock | null = null;
  /** Cleared when the block is invalidated (its page was written, or a flush). */
  valid = true;
  fn: TbFunction = () => 3;

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
  ) {}
}
