import { MemvisorError } from '../memvisorError.js';

/**
 * QEMU `info mtree` (or `info mtree -f`) text that this parser cannot read, or
 * that contradicts itself (an alias whose target is never printed, a FlatView
 * naming an address space the tree does not have). Carries the 1-based line
 * number, the line itself and what was expected there.
 */
export class MtreeParseError extends MemvisorError {
  readonly kind = 'mtree-parse';
  constructor(
    /** File the text came from, or null. */
    readonly file: string | null,
    /** 1-based line number. */
    readonly line: number,
    /** The offending line, as read. */
    readonly text: string,
    /** What the parser expected at that line. */
    readonly expected: string,
  ) {
    super(`${file ?? 'mtree text'}:${line}: expected ${expected}, got ${JSON.stringify(text)}`);
    this.name = 'MtreeParseError';
  }
}
