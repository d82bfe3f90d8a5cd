/**
 * Reading a machine description from JSON text.
 */
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
    const reason = e instanceof Error ? e.message : String(e);
    const m = /at position (\d+)/.exec(reason);
    const { line, column } = lineColumn(text, m ? Number(m[1]) : text.length);
    throw new SpecSyntaxError(file, line, column, reason.replace(/ in JSON at position \d+.*$/, ''));
  }
  return validateSpec(value, file);
}
