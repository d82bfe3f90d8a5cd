import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createVirtMachine, runElfBytes } from '../src/index.js';
import type { EngineKind } from '../src/index.js';
import { GUESTS_DIR as guests, guestElf, guestFixture } from './guestFiles.js';

const names = readdirSync(join(guests, 'elf'))
  .filter((f) => f.endsWith('.elf'))
  .map((f) => f.slice(0, -4))
  .sort();

function fixture(name: string): { out: string; status: number } {
  return {
    out: guestFixture(name),
    status: Number(readFileSync(join(guests, 'fixtures', `${name}.status`), 'utf8').trim()),
  };
}

function run(name: string, engine: EngineKind) {
  return runElfBytes(guestElf(name), { engine, maxInsns: 1e9 });
}

describe('guest programs match qemu-system-riscv32 7.2 (-M virt -bios none -kernel)', () => {
  it('finds the committed guest ELFs and their fixtures', () => {
    expect(names.length).toBeGreaterThanOrEqual(16);
    expect(names).toEqual(expect.arrayContaining(['mmiosize', 'fbanim']));
    for (const n of names) expect(() => fixture(n)).not.toThrow();
  });

  for (const engine of ['jit', 'interp'] as const) {
    describe(engine, () => {
      for (const name of names) {
        if (engine === 'interp' && name === 'smcblock') continue;
        it(`${name}: UART output and exit status equal QEMU's`, { timeout: 120_000 }, () => {
          const want = fixture(name);
          const r = run(name, engine);
          expect(r.reason).toBe('exit');
          expect(r.output).toBe(want.out);
          expect(r.exitCode).toBe(want.status);
        });
      }
    });
  }

  it('the TB hash table, sized from the average block size and the ELF, never grows while a guest runs', () => {
    // upstream 126d89e8cd: size the TB table from a realistic average block size.
    for (const name of names) {
      const m = createVirtMachine({ ramSize: 1 << 24 });
      m.loadElf(guestElf(name));
      expect(m.run(1e9).reason).toBe('exit');
      expect(m.translator.hashResizes).toBe(0);
    }
  });

  it('smcblock: the JIT finishes a self-modified block with its old code, like QEMU; the interpreter sees the store at once', () => {
    // QEMU's RISC-V target has no TARGET_HAS_PRECISE_SMC: the running TB is invalidated
    // but completes. The interpreter has no blocks, so the patched instruction runs.
    const jit = run('smcblock', 'jit');
    expect(jit.output).toBe(fixture('smcblock').out);
    const interp = run('smcblock', 'interp');
    expect(interp.output).toBe('self_patch=0000002a\nself_patch2=00000003\n');
    expect(interp.exitCode).toBe(0);
  });
});
