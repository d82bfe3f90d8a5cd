import { describe, expect, it } from 'vitest';
import { createVirtMachine } from '../src/index.js';
import type { EngineKind, LogCategory } from '../src/index.js';
import { guestElf as elf, guestFixture as fixture } from './guestFiles.js';

describe('breakpoints', () => {
  // upstream b933066ae0: the breakpoint check comes after the instruction's insn_start,
  // so stopping inside a block reports exactly the breakpoint's pc.
  for (const engine of ['interp', 'jit'] as EngineKind[]) {
    it(`${engine}: stops before the instruction in the middle of a block, then resumes to the same output`, () => {
      let out = '';
      const m = createVirtMachine({ engine, ramSize: 1 << 20, onUart: (b) => (out += String.fromCharCode(b)) });
      m.loadElf(elf('hello'));
      const bp = (0x80000000 + 8) | 0;
      m.addBreakpoint(bp);
      const r = m.run(10_000);
      expect(r.reason).toBe('breakpoint');
      expect(m.cpu.pc).toBe(bp);
      // six mrom instructions, then auipc + addi of `la gp`
      expect(r.instret).toBe(8);
      expect(m.run(10_000).reason).toBe('exit');
      expect(out).toBe(fixture('hello'));
    });
  }
});

describe('log categories', () => {
  // upstream 339aaf5b7f: MMU faults are logged under their own category.
  function logOf(categories: LogCategory[]): { category: LogCategory; message: string }[] {
    const lines: { category: LogCategory; message: string }[] = [];
    const m = createVirtMachine({ log: { categories, sink: (category, message) => lines.push({ category, message }) } });
    m.loadElf(elf('paging'));
    expect(m.run(1e7).reason).toBe('exit');
    return lines;
  }

  it('mmu alone shows the two page faults of the paging guest and nothing else', () => {
    const lines = logOf(['mmu']);
    expect(lines.map((l) => l.category)).toEqual(['mmu', 'mmu']);
    expect(lines[0]!.message).toContain('va=0x40003000');
    expect(lines[1]!.message).toContain('store va=0x40004000');
  });

  it('int shows exceptions without the MMU detail; in_asm shows translated blocks', () => {
    const lines = logOf(['int', 'in_asm']);
    expect(lines.some((l) => l.category === 'mmu')).toBe(false);
    expect(lines.filter((l) => l.category === 'int').length).toBe(3);
    expect(lines.some((l) => l.category === 'in_asm' && l.message.startsWith('TB pc=0x80000000'))).toBe(true);
  });
});

describe('--trace lines', () => {
  it('formatTb names the block by virtual and physical pc, flags, size and exits', async () => {
    const { runElfBytes, formatTb } = await import('../src/index.js');
    const lines: string[] = [];
    runElfBytes(elf('hello'), { trace: (tb) => lines.push(formatTb(tb)) });
    expect(lines[0]).toMatch(/^TB 0x80000000 phys=0x80000000 priv=3 dmmu=3 insns=\d+ exits=\d+$/);
  });
});
