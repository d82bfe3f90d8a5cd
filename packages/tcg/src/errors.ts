import { MemvisorError } from '@memvisor/memory-core';

/** Base class of the errors the ELF loader throws before anything runs. */
export class ElfError extends MemvisorError {
  readonly kind: string = 'elf';
}

/** Not an ELF file, or an ELF of the wrong class, byte order, type or machine. */
export class ElfFormatError extends ElfError {
  override readonly kind = 'elf-format';
  constructor(
    /** Which header field is wrong (`magic`, `class`, `data`, `type`, `machine`, ...). */
    readonly field: string,
    /** The value found. */
    readonly found: number | string,
    /** The value memvisor needs. */
    readonly expected: number | string,
  ) {
    super(
      `not a loadable RV32 ELF: ${field} is ${String(found)}, expected ${String(expected)} ` +
        '(build guests with riscv64-unknown-elf-gcc -march=rv32imac_zicsr_zifencei -mabi=ilp32)',
    );
  }
}

/** The file ends before a header, program header or segment it describes. */
export class ElfTruncatedError extends ElfError {
  override readonly kind = 'elf-truncated';
  constructor(
    /** What was being read. */
    readonly what: string,
    /** Byte offset where it needed data. */
    readonly offset: number,
    /** Bytes needed from `offset`. */
    readonly needed: number,
    /** File size. */
    readonly fileSize: number,
  ) {
    super(`truncated ELF: ${what} needs bytes ${offset}..${offset + needed} but the file has ${fileSize}`);
  }
}

/** A PT_LOAD segment does not fit in guest RAM. */
export class ElfSegmentError extends ElfError {
  override readonly kind = 'elf-segment';
  constructor(
    /** Program header index. */
    readonly index: number,
    /** Segment physical address. */
    readonly paddr: number,
    /** Segment size in memory. */
    readonly memsz: number,
    /** RAM start. */
    readonly ramBase: number,
    /** RAM size. */
    readonly ramSize: number,
  ) {
    super(
      `ELF segment ${index} at 0x${paddr.toString(16)} (+0x${memsz.toString(16)} bytes) is outside RAM ` +
        `0x${ramBase.toString(16)}..0x${(ramBase + ramSize).toString(16)}; link the guest at 0x80000000`,
    );
  }
}
