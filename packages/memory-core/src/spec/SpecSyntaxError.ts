import { MemvisorError } from '../memvisorError.js';

/**
 * A machine description is not well-formed JSON. Carries the 1-based line and
 * column where the JSON parser gave up, and the file name when known.
 */
export class SpecSyntaxError extends MemvisorError {
  readonly kind = 'spec-syntax';
  constructor(
    /** File the text came from, or null. */
    readonly file: string | null,
    /** 1-based line of the error. */
    readonly line: number,
    /** 1-based column of the error. */
    readonly column: number,
    /** What the JSON parser reported. */
    readonly reason: string,
  ) {
    super(`${file ?? 'machine description'}:${line}:${column}: malformed JSON: ${reason}`);
    this.name = 'SpecSyntaxError';
  }
}
