/**
 * Reading a machine description from JSON text.
 */
import { jsonErrorAt } from './jsonErrorAt.js';
import { SpecSyntaxError } from './SpecSyntaxError.js';
import { validateSpec } from './validateSpec.js';
import type { MachineSpec } from './types.js';

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Parses and validates a machine description. Throws {@link SpecSyntaxError}
 * (with line and column) for malformed JSON and {@link SpecValidationError}
 * for a description that is not a valid machine.
 */
export function parseSpecJson(text: string, file: string | null = null): MachineSpec {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const at = jsonErrorAt(text);
    const offset = at?.offset ?? text.length;
    const { line, column } = lineColumn(text, offset);
    const found = offset < text.length ? `'${text[offset]}'` : 'the end of the text';
    const reason = at ? `expected ${at.expected}, found ${found}` : e instanceof Error ? e.message : String(e);
    throw new SpecSyntaxError(file, line, column, reason);
  }
  return validateSpec(value, file);
}
