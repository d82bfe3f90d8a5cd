import { MemvisorError } from '../memvisorError.js';

/**
 * A machine description is well-formed JSON but is not a valid machine: it
 * breaks the JSON Schema (a missing field, a bad hex number, an unknown kind) or
 * a rule the schema cannot say (duplicate ids, an alias whose target does not
 * exist, an alias cycle, a RAM region of size zero...). Carries the JSON
 * pointer of the offending value and, when the value is inside a region, that
 * region's id and name, so the message can say which region to fix.
 */
export class SpecValidationError extends MemvisorError {
  readonly kind = 'spec-validation';
  constructor(
    /** File the description came from, or null. */
    readonly file: string | null,
    /** JSON pointer of the offending value, e.g. `/regions/0/subregions/3/size`. */
    readonly path: string,
    /** The innermost region containing the offending value, or null. */
    readonly region: { readonly id: string; readonly name: string } | null,
    /** What is wrong, for a person. */
    readonly reason: string,
  ) {
    const where = region ? `region "${region.name}"${region.id !== region.name ? ` (id ${region.id})` : ''} at ${path}` : path || '/';
    super(`${file ?? 'machine description'}: ${where}: ${reason}`);
    this.name = 'SpecValidationError';
  }
}
