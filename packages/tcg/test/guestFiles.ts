import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** tools/guests: the committed guest ELFs (`elf/`) and what QEMU 7.2 printed for them (`fixtures/`). */
export const GUESTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../tools/guests');

/** The committed ELF of guest `name` (tools/guests/elf/<name>.elf). */
export function guestElf(name: string): Uint8Array {
  return readFileSync(join(GUESTS_DIR, 'elf', `${name}.elf`));
}

/** The UART output QEMU gave for guest `name` (tools/guests/fixtures/<name>.out). */
export function guestFixture(name: string): string {
  return readFileSync(join(GUESTS_DIR, 'fixtures', `${name}.out`), 'utf8');
}
