/**
 * The hart's state as a versioned byte stream, in the shape of QEMU's vmstate:
 * a named, versioned section of fields followed by optional subsections, each
 * sent only when its `needed` test holds and each skipped by a destination
 * that finds none (QEMU's vmstate_subsection_save / _load). Fields are
 * big-endian, as QEMU's qemu_put_be32 writes them.
 *
 * Layout, version 1:
 *
 *     u32 magic 'MVCS'  u32 stream version
 *     section:    u8 name length, name "cpu", u32 version_id, fields (below)
 *     subsection: u8 0x05 (QEMU_VM_SUBSECTION), u8 name length, name, u32 version_id, fields
 *
 * `cpu` v1 fields: pc, x1..x31, priv (u8), instret (u64), the M and S CSRs
 * (mstatus, medeleg, mideleg, mie, mip's software bits, mtvec, mscratch, mepc,
 * mcause, mtval, mcounteren, mcountinhibit, scounteren, stvec, sscratch, sepc,
 * scause, stval, satp, fcsr), pmpcfg0..3, pmpaddr0..15, the LR reservation
 * (u8 valid, u32 address, u32 value) and the timer's hart-side state: msip,
 * mtimecmp (u64) and mtime's offset from the virtual clock (QEMU's time_delta,
 * as the IEEE double memvisor keeps it, so every value the guest can write
 * comes back exactly). The only subsection is `cpu_common/crash_occurred` v1 (u8
 * bool), present when {@link Cpu.crashOccurred} is set (upstream bac05aa9a7).
 */
import { MemvisorError } from '@memvisor/memory-core';
import type { Cpu } from './cpu.js';
import { Csr } from './csr.js';

/** First four bytes of a CPU state stream: "MVCS". */
export const CPU_STATE_MAGIC = 0x4d564353;
/** Stream version this build writes and reads. */
export const CPU_STATE_VERSION = 1;
/** Version of the `cpu` section. */
export const CPU_SECTION_VERSION = 1;
/** QEMU_VM_SUBSECTION: the byte that opens a subsection. */
export const VM_SUBSECTION = 0x05;
/** QEMU's name of the crash subsection (vmstate_cpu_common_crash_occurred). */
export const CRASH_OCCURRED_SUBSECTION = 'cpu_common/crash_occurred';

const SECTION = 'cpu';
/** The CSRs of the `cpu` section, in stream order (save and load both walk this list). */
const CSR_FIELDS = [
  'mstatus', 'medeleg', 'mideleg', 'mie', 'mipSw', 'mtvec', 'mscratch', 'mepc', 'mcause',
  'mtval', 'mcounteren', 'mcountinhibit', 'scounteren', 'stvec', 'sscratch', 'sepc', 'scause',
  'stval', 'satp', 'fcsr',
] as const satisfies readonly (keyof Cpu)[];
const N_CSR = CSR_FIELDS.length;

/** Base class of the errors {@link loadCpuState} throws; the CPU is left as it was. */
export abstract class CpuStateError extends MemvisorError {
  constructor(
    /** The section or subsection being read (`header` before the first one). */
    readonly section: string,
    /** Byte offset in the stream where the problem is. */
    readonly offset: number,
    message: string,
  ) {
    super(`CPU state, ${section} at byte ${offset}: ${message}`);
  }
}

/** The stream ends inside a field. */
export class CpuStateTruncatedError extends CpuStateError {
  override readonly kind = 'cpu-state-truncated';
  constructor(
    section: string,
    offset: number,
    /** The field being read. */
    readonly field: string,
    /** Bytes it needs from `offset`. */
    readonly needed: number,
    /** Stream length. */
    readonly length: number,
  ) {
    super(section, offset, `stream ends (${length} bytes) inside ${field}, which needs ${needed} byte(s)`);
  }
}

/** Not a CPU state stream (bad magic), or a section named otherwise than expected. */
export class CpuStateFormatError extends CpuStateError {
  override readonly kind = 'cpu-state-format';
  constructor(
    section: string,
    offset: number,
    /** What was expected there. */
    readonly expected: string,
    /** What was found. */
    readonly found: string,
  ) {
    super(section, offset, `expected ${expected}, found ${found}`);
  }
}

/** A stream, section or subsection version newer than this build reads. */
export class CpuStateVersionError extends CpuStateError {
  override readonly kind = 'cpu-state-version';
  constructor(
    section: string,
    offset: number,
    /** Version in the stream. */
    readonly found: number,
    /** Highest version supported. */
    readonly supported: number,
  ) {
    super(section, offset, `version ${found} is newer than the supported ${supported}`);
  }
}

/** A subsection this build does not know (QEMU refuses those too: it cannot skip what it cannot parse). */
export class UnknownCpuSubsectionError extends CpuStateError {
  override readonly kind = 'unknown-cpu-subsection';
  constructor(
    offset: number,
    /** The subsection's name. */
    readonly subsection: string,
  ) {
    super(subsection, offset, `unknown subsection "${subsection}" (known: ${CRASH_OCCURRED_SUBSECTION})`);
  }
}

/** A field whose value no CPU can have (x0 not zero, a reserved privilege, a bool not 0/1, ...). */
export class CpuStateValueError extends CpuStateError {
  override readonly kind = 'cpu-state-value';
  constructor(
    section: string,
    offset: number,
    /** The field. */
    readonly field: string,
    /** The value found. */
    readonly value: number | bigint,
  ) {
    super(section, offset, `${field} = ${String(value)} is not a valid value`);
  }
}

/** Bytes left after the last subsection, or a subsection repeated. */
export class CpuStateTrailingDataError extends CpuStateError {
  override readonly kind = 'cpu-state-trailing-data';
  constructor(
    offset: number,
    /** The byte found where the stream should end or a subsection start. */
    readonly byte: number,
  ) {
    super('end', offset, `unexpected byte 0x${byte.toString(16)} (expected the end of the stream or a new subsection)`);
  }
}

/** The state {@link loadCpuState} applies, parsed and checked in full first. */
interface ParsedCpuState {
  pc: number;
  x: Int32Array;
  priv: number;
  instret: number;
  csrs: Int32Array;
  pmpcfg: Int32Array;
  pmpaddr: Int32Array;
  loadRes: number;
  loadVal: number;
  msip: number;
  mtimecmp: bigint;
  timeDelta: number;
  crashOccurred: boolean;
}

class Writer {
  private buf = new Uint8Array(512);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(this.buf.length * 2);
    next.set(this.buf);
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.length++] = v & 0xff;
  }

  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.length, v >>> 0);
    this.length += 4;
  }

  u64(v: bigint): void {
    this.room(8);
    this.view.setBigUint64(this.length, BigInt.asUintN(64, v));
    this.length += 8;
  }

  f64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.length, v);
    this.length += 8;
  }

  name(s: string): void {
    this.u8(s.length);
    for (let i = 0; i < s.length; i++) this.u8(s.charCodeAt(i));
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

class Reader {
  private readonly view: DataView;
  pos = 0;
  section = 'header';

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private need(n: number, field: string): void {
    if (this.pos + n > this.bytes.length) {
      throw new CpuStateTruncatedError(this.section, this.pos, field, n, this.bytes.length);
    }
  }

  peek(): number {
    return this.bytes[this.pos]!;
  }

  u8(field: string): number {
    this.need(1, field);
    return this.bytes[this.pos++]!;
  }

  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  u64(field: string): bigint {
    this.need(8, field);
    const v = this.view.getBigUint64(this.pos);
    this.pos += 8;
    return v;
  }

  f64(field: string): number {
    this.need(8, field);
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  name(field: string): string {
    const n = this.u8(`${field} length`);
    this.need(n, field);
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.bytes[this.pos + i]!);
    this.pos += n;
    return s;
  }

  bool(field: string): boolean {
    const at = this.pos;
    const v = this.u8(field);
    if (v > 1) throw new CpuStateValueError(this.section, at, field, v);
    return v === 1;
  }

  version(supported: number): number {
    const at = this.pos;
    const v = this.u32('version_id');
    if (v > supported || v === 0) throw new CpuStateVersionError(this.section, at, v, supported);
    return v;
  }
}

/**
 * Serialises everything the hart needs to resume where it is: pc, registers,
 * privilege, retired instructions, CSRs (PMP included), the LR reservation and
 * the timer's hart-side state (msip, mtimecmp, mtime's offset). The TLB and
 * translated blocks are caches and are not saved. `cpu_common/crash_occurred`
 * is added only when the guest crashed, as QEMU's `needed` test does, so a
 * stream of a healthy hart loads on a build that predates the flag.
 * Call it between runs (not from inside a device callback).
 */
export function saveCpuState(cpu: Cpu): Uint8Array {
  const w = new Writer();
  w.u32(CPU_STATE_MAGIC);
  w.u32(CPU_STATE_VERSION);
  w.name(SECTION);
  w.u32(CPU_SECTION_VERSION);
  w.u32(cpu.pc);
  for (let i = 1; i < 32; i++) w.u32(cpu.x[i]!);
  w.u8(cpu.priv);
  w.u64(BigInt(cpu.instret));
  for (const f of CSR_FIELDS) w.u32(cpu[f]);
  for (let i = 0; i < 4; i++) w.u32(cpu.pmpcfg[i]!);
  for (let i = 0; i < 16; i++) w.u32(cpu.pmpaddr[i]!);
  w.u8(cpu.loadRes === -1 ? 0 : 1);
  w.u32(cpu.loadRes === -1 ? 0 : cpu.loadRes);
  w.u32(cpu.loadVal);
  const clint = cpu.clint;
  w.u32(clint.msip);
  w.u64((BigInt(clint.cmpHi >>> 0) << 32n) | BigInt(clint.cmpLo >>> 0));
  w.f64(clint.skew);
  if (cpu.crashOccurred) {
    w.u8(VM_SUBSECTION);
    w.name(CRASH_OCCURRED_SUBSECTION);
    w.u32(1);
    w.u8(1);
  }
  return w.bytes();
}

function parse(bytes: Uint8Array): ParsedCpuState {
  const r = new Reader(bytes);
  const magic = r.u32('magic');
  if (magic !== CPU_STATE_MAGIC) {
    throw new CpuStateFormatError('header', 0, 'magic 0x4d564353 ("MVCS")', `0x${magic.toString(16)}`);
  }
  r.version(CPU_STATE_VERSION);
  const nameAt = r.pos;
  const name = r.name('section name');
  if (name !== SECTION) throw new CpuStateFormatError('header', nameAt, `section "${SECTION}"`, `"${name}"`);
  r.section = SECTION;
  r.version(CPU_SECTION_VERSION);
  const pc = r.u32('pc') | 0;
  const x = new Int32Array(32);
  for (let i = 1; i < 32; i++) x[i] = r.u32(`x${i}`) | 0;
  const privAt = r.pos;
  const priv = r.u8('priv');
  if (priv !== 0 && priv !== 1 && priv !== 3) throw new CpuStateValueError(SECTION, privAt, 'priv', priv);
  const instretAt = r.pos;
  const instret64 = r.u64('instret');
  if (instret64 > BigInt(Number.MAX_SAFE_INTEGER)) throw new CpuStateValueError(SECTION, instretAt, 'instret', instret64);
  const csrs = new Int32Array(N_CSR);
  for (let i = 0; i < N_CSR; i++) csrs[i] = r.u32(`csr ${i}`) | 0;
  const pmpcfg = new Int32Array(4);
  for (let i = 0; i < 4; i++) pmpcfg[i] = r.u32(`pmpcfg${i}`) | 0;
  const pmpaddr = new Int32Array(16);
  for (let i = 0; i < 16; i++) pmpaddr[i] = r.u32(`pmpaddr${i}`) | 0;
  const hasRes = r.bool('load_res valid');
  const resAt = r.pos;
  const resAddr = r.u32('load_res') | 0;
  // A reservation is on an aligned word (LR faults otherwise); none is written as 0.
  if (hasRes ? (resAddr & 3) !== 0 : resAddr !== 0) throw new CpuStateValueError(SECTION, resAt, 'load_res', resAddr >>> 0);
  const loadVal = r.u32('load_val') | 0;
  const msipAt = r.pos;
  const msip = r.u32('msip');
  if (msip > 1) throw new CpuStateValueError(SECTION, msipAt, 'msip', msip);
  const mtimecmp = r.u64('mtimecmp');
  const deltaAt = r.pos;
  const delta = r.f64('time_delta');
  if (!Number.isInteger(delta) || Object.is(delta, -0)) throw new CpuStateValueError(SECTION, deltaAt, 'time_delta', delta);

  let crashOccurred = false;
  const seen = new Set<string>();
  while (r.remaining > 0) {
    const at = r.pos;
    if (r.peek() !== VM_SUBSECTION) throw new CpuStateTrailingDataError(at, r.peek());
    r.section = 'subsection';
    r.u8('subsection marker');
    const sub = r.name('subsection name');
    if (sub !== CRASH_OCCURRED_SUBSECTION) throw new UnknownCpuSubsectionError(at, sub);
    if (seen.has(sub)) throw new CpuStateTrailingDataError(at, VM_SUBSECTION);
    seen.add(sub);
    r.section = sub;
    r.version(1);
    crashOccurred = r.bool('crash_occurred');
  }
  return {
    pc,
    x,
    priv,
    instret: Number(instret64),
    csrs,
    pmpcfg,
    pmpaddr,
    loadRes: hasRes ? resAddr : -1,
    loadVal,
    msip,
    mtimecmp,
    timeDelta: delta,
    crashOccurred,
  };
}

/**
 * Loads a stream written by {@link saveCpuState} into `cpu` (and the timer state
 * into its CLINT). The whole stream is parsed and checked before anything is
 * written, so a bad stream leaves the CPU untouched. A stream without the
 * `cpu_common/crash_occurred` subsection loads with the flag clear. The TLB is
 * flushed (and with it the jump cache), and interrupts are re-evaluated at the
 * next run.
 * @throws CpuStateTruncatedError, CpuStateFormatError, CpuStateVersionError,
 *   UnknownCpuSubsectionError, CpuStateValueError, CpuStateTrailingDataError:
 *   each names the section and byte offset
 */
export function loadCpuState(cpu: Cpu, bytes: Uint8Array): void {
  const s = parse(bytes);
  cpu.pc = s.pc;
  cpu.x.set(s.x);
  cpu.priv = s.priv;
  cpu.instret = s.instret;
  CSR_FIELDS.forEach((f, i) => {
    cpu[f] = s.csrs[i]!;
  });
  cpu.pmpaddr.set(s.pmpaddr);
  // Through the CSR path, from all-clear, so the hart's PMP summary follows the entries.
  cpu.pmpcfg.fill(0);
  for (let i = 0; i < 4; i++) cpu.csrWrite(Csr.PMPCFG0 + i, s.pmpcfg[i]!, 0, -1);
  cpu.loadRes = s.loadRes;
  cpu.loadVal = s.loadVal;
  const clint = cpu.clint;
  clint.msip = s.msip;
  clint.cmpLo = Number(s.mtimecmp & 0xffffffffn);
  clint.cmpHi = Number(s.mtimecmp >> 32n);
  clint.skew = s.timeDelta;
  cpu.crashOccurred = s.crashOccurred;
  cpu.curTb = null;
  cpu.updateMmuIdx();
  cpu.tlbFlush();
  cpu.eventAt = 0;
}
