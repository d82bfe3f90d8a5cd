/**
 * Hex numbers as the machine description writes them (`"0x..."`), exact as bigint.
 */

/** Parses `"0x..."` to a bigint; the caller has checked the pattern. */
export function parseHex(text: string): bigint {
  return BigInt(text);
}

/** Formats a bigint as the format writes it: `0x` and lower-case digits. */
export function formatHex(value: bigint): string {
  return `0x${value.toString(16)}`;
}
