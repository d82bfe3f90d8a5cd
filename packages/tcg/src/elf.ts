import { ElfFormatError, ElfSegmentError, ElfTruncatedError } from './errors.js';

/** One PT_LOAD segment of an ELF image. */
export interface ElfSegment {
  /** Physical load address. */
  readonly paddr: number;
  /** The bytes from the file (filesz of them); the rest up to memsz is zero. */
  readonly data: Uint8Array;
  readonly memsz: number;
  /** PF_X etc. */
  readonly flags: number;
}

/** A parsed, validated RV32 little-endian executable. */
export interface ElfImage {
  readonly entry: number;
  readonly segments: readonly ElfSegment[];
}

const EM_RISCV = 243;
const ET_EXEC = 2;
const PT_LOAD = 1;

/**
 * Parses an ELF32 little-endian RISC-V executable. Throws {@link ElfFormatError} for
 * another class, byte order, type or machine, {@link ElfTruncatedError} when the file is
 * shorter than its headers say, and — when `ram` is given — {@link ElfSegmentError} for a
 * loadable segment outside `[ram.base, ram.base + ram.size)`. Nothing is written anywhere.
 */
export function parseElf(bytes: Uint8Array, ram?: { base: number; size: number }): ElfImage {
  const size = bytes.length;
  const need = (what: string, off: number, n: number): void => {
    if (off + n > size) throw new ElfTruncatedError(what, off, n, size);
  };
  need('ELF identification', 0, 16);
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ElfFormatError('magic', Array.from(bytes.subarray(0, 4), (b) => b.toString(16)).join(' '), '7f 45 4c 46');
  }
  if (bytes[4] !== 1) throw new ElfFormatError('class', bytes[4] === 2 ? 'ELFCLASS64' : bytes[4]!, 'ELFCLASS32');
  if (bytes[5] !== 1) throw new ElfFormatError('data', bytes[5] === 2 ? 'big-endian' : bytes[5]!, 'little-endian');
  need('ELF header', 0, 52);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = dv.getUint16(16, true);
  const machine = dv.getUint16(18, true);
  if (machine !== EM_RISCV) throw new ElfFormatError('machine', machine, `${EM_RISCV} (RISC-V)`);
  if (type !== ET_EXEC) throw new ElfFormatError('type', type, `${ET_EXEC} (ET_EXEC)`);
  const entry = dv.getUint32(24, true);
  const phoff = dv.getUint32(28, true);
  const phentsize = dv.getUint16(42, true);
  const phnum = dv.getUint16(44, true);
  if (phnum > 0 && phentsize < 32) throw new ElfFormatError('e_phentsize', phentsize, '>= 32');
  need('program headers', phoff, phnum * phentsize);
  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    if (dv.getUint32(o, true) !== PT_LOAD) continue;
    const offset = dv.getUint32(o + 4, true);
    const paddr = dv.getUint32(o + 12, true);
    const filesz = dv.getUint32(o + 16, true);
    const memsz = dv.getUint32(o + 20, true);
    const flags = dv.getUint32(o + 24, true);
    if (memsz === 0) continue;
    need(`segment ${i}`, offset, filesz);
    if (filesz > memsz) throw new ElfFormatError(`p_filesz of segment ${i}`, filesz, `<= p_memsz ${memsz}`);
    if (ram && (paddr < ram.base || paddr + memsz > ram.base + ram.size)) {
      throw new ElfSegmentError(i, paddr, memsz, ram.base, ram.size);
    }
    segments.push({ paddr, data: bytes.subarray(offset, offset + filesz), memsz, flags });
  }
  return { entry, segments };
}

/**
 * Validates an ELF image against RAM and copies its segments in (zero-filling bss).
 * All checks run before the first byte is written. Returns the entry point.
 */
export function loadElf(bytes: Uint8Array, ram: Uint8Array, ramBase: number): ElfImage {
  const image = parseElf(bytes, { base: ramBase, size: ram.length });
  for (const s of image.segments) {
    const off = s.paddr - ramBase;
    ram.set(s.data, off);
    ram.fill(0, off + s.data.length, off + s.memsz);
  }
  return image;
}
