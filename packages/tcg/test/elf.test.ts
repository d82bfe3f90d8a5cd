import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ElfFormatError, ElfSegmentError, ElfTruncatedError, createVirtMachine, parseElf,
} from '../src/index.js';

const hello = new Uint8Array(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../../tools/guests/elf/hello.elf')),
);

function patched(f: (b: Uint8Array, dv: DataView) => void): Uint8Array {
  const b = hello.slice();
  f(b, new DataView(b.buffer));
  return b;
}

/** Offset of the first PT_LOAD program header of `hello`. */
function loadPhdr(): number {
  const dv = new DataView(hello.buffer);
  const phoff = dv.getUint32(28, true);
  for (let k = 0; ; k++) if (dv.getUint32(phoff + 32 * k, true) === 1) return phoff + 32 * k;
}

function expectNothingLoaded(bytes: Uint8Array, err: new (...a: never[]) => Error): void {
  const m = createVirtMachine({ engine: 'interp', ramSize: 1 << 20 });
  expect(() => m.loadElf(bytes)).toThrow(err);
  expect(m.bus.ram.every((v) => v === 0)).toBe(true);
  expect(m.cpu.instret).toBe(0);
}

describe('ELF loader rejects bad input before execution', () => {
  it('accepts the hello guest: one PT_LOAD at 0x80000000, entry 0x80000000', () => {
    const img = parseElf(hello);
    expect(img.entry >>> 0).toBe(0x80000000);
    expect(img.segments.length).toBeGreaterThan(0);
    expect(img.segments[0]!.paddr >>> 0).toBe(0x80000000);
  });

  it('not an ELF at all', () => {
    expectNothingLoaded(new TextEncoder().encode('#!/bin/sh\necho hi\n'), ElfFormatError);
  });

  it('ELFCLASS64 is refused with the class named', () => {
    const b = patched((x) => (x[4] = 2));
    expect(() => parseElf(b)).toThrow(/class is ELFCLASS64/);
    expectNothingLoaded(b, ElfFormatError);
  });

  it('big-endian is refused', () => {
    expect(() => parseElf(patched((x) => (x[5] = 2)))).toThrow(/big-endian/);
  });

  it('another machine (x86-64, 62) is refused with the machine number', () => {
    const b = patched((_x, dv) => dv.setUint16(18, 62, true));
    try {
      parseElf(b);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ElfFormatError);
      expect((e as ElfFormatError).field).toBe('machine');
      expect((e as ElfFormatError).found).toBe(62);
    }
    expectNothingLoaded(b, ElfFormatError);
  });

  it('a relocatable object (ET_REL) is refused', () => {
    expect(() => parseElf(patched((_x, dv) => dv.setUint16(16, 1, true)))).toThrow(ElfFormatError);
  });

  it('truncated inside the header, the program headers and a segment', () => {
    expectNothingLoaded(hello.slice(0, 10), ElfTruncatedError);
    expectNothingLoaded(hello.slice(0, 40), ElfTruncatedError);
    const phoff = new DataView(hello.buffer).getUint32(28, true);
    expectNothingLoaded(hello.slice(0, phoff + 8), ElfTruncatedError);
    expectNothingLoaded(hello.slice(0, 0x1010), ElfTruncatedError);
  });

  it('a segment outside RAM names the segment and the RAM range', () => {
    const b = patched((_x, dv) => dv.setUint32(loadPhdr() + 12, 0x40000000, true));
    expectNothingLoaded(b, ElfSegmentError);
    const m = createVirtMachine({ ramSize: 1 << 20 });
    expect(() => m.loadElf(b)).toThrow(/outside RAM 0x80000000\.\.0x80100000/);
  });

  it('a segment running past the end of a small RAM is refused', () => {
    const b = patched((_x, dv) => dv.setUint32(loadPhdr() + 12, 0x800ff000, true));
    expectNothingLoaded(b, ElfSegmentError);
  });
});
