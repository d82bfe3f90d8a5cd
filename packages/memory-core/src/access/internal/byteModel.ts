/**
 * A naive per-byte model of a FlatView, the oracle of the data path's
 * property tests: every byte of a buffer access is decided on its own from
 * the range that covers it; ld/st follow QEMU's memory_ldst rule (direct when
 * the access fits a RAM-like range, else the whole access goes to the range's
 * region ops). Devices in these tests are memory-like (registers are bytes,
 * composed in the device's byte order), so a model byte array stands for them.
 */
import type { FlatRange } from '../../topology/types.js';
import type { AddressSpaceAccess } from '../AddressSpaceAccess.js';
import type { MemTxResult } from '../attrs.js';
import { MEMTX_DECODE_ERROR, MEMTX_OK } from '../attrs.js';

/** How the model treats a region. */
export type ModelKind = 'ram' | 'rom' | 'romDevice' | 'dev' | 'reservation';

/** One region of the model. */
export interface ModelRegion {
  readonly kind: ModelKind;
  /** valid.maxAccessSize of its ops (0 = any), for dev and romDevice. */
  readonly validMax: number;
  /** The data path's memory for the region (RAM bytes or the device's store). */
  readonly real: Uint8Array;
  /** The model's copy, same length. */
  readonly model: Uint8Array;
  /** ram_addr of offset 0 (RAM kinds). */
  readonly ramAddr: number;
}

/** One access of a property test. */
export type ModelOp =
  | { t: 'read'; addr: number; len: number }
  | { t: 'write'; addr: number; data: number[] }
  | { t: 'ld'; addr: number; size: 1 | 2 | 4 | 8; be: boolean }
  | { t: 'st'; addr: number; size: 1 | 2 | 4 | 8; be: boolean; value: number; hi: number };

/** Thrown on the first difference between the data path and the model. */
export class ModelMismatchError extends Error {
  override readonly name = 'ModelMismatchError';
}

function composeValue(bytes: number[], be: boolean): bigint {
  let v = 0n;
  const order = be ? bytes : [...bytes].reverse();
  for (const b of order) v = (v << 8n) | BigInt(b);
  return v;
}

function valueBytes(v: bigint, size: number, be: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < size; i++) out.push(Number((v >> BigInt(8 * i)) & 0xffn));
  return be ? out.reverse() : out;
}

/**
 * Runs `ops` on `as` and on the model of `ranges`; throws ModelMismatchError
 * at the first different byte, value or result, then compares every region's
 * memory. Returns the dirty bits ("client:page") the model expects.
 */
export function runModelOps(
  as: AddressSpaceAccess,
  ranges: readonly FlatRange[],
  regions: ReadonlyMap<string, ModelRegion>,
  ops: readonly ModelOp[],
  pageSize = 4096,
): Set<string> {
  const starts = ranges.map((r) => Number(r.start));
  const ends = ranges.map((r) => Number(r.start + r.size));
  const find = (a: number): number => {
    for (let i = 0; i < ranges.length; i++) if (a >= starts[i]! && a < ends[i]!) return i;
    return -1;
  };
  const bits = new Set<string>();
  const at = (i: number, a: number) => {
    const fr = ranges[i]!;
    return { fr, reg: regions.get(fr.region)!, off: a - starts[i]! + Number(fr.offsetInRegion) };
  };
  const byteRead = (a: number): [number, MemTxResult] => {
    const i = find(a);
    if (i < 0) return [0, MEMTX_DECODE_ERROR];
    const { reg, off } = at(i, a);
    if (reg.kind === 'reservation') return [0, MEMTX_DECODE_ERROR];
    return [reg.model[off]!, MEMTX_OK];
  };
  const byteWrite = (a: number, b: number): MemTxResult => {
    const i = find(a);
    if (i < 0) return MEMTX_DECODE_ERROR;
    const { fr, reg, off } = at(i, a);
    if (reg.kind === 'reservation') return MEMTX_DECODE_ERROR;
    if ((reg.kind === 'ram' || reg.kind === 'rom') && (fr.readonly || reg.kind === 'rom')) return MEMTX_OK;
    reg.model[off] = b;
    if (reg.kind === 'ram' && fr.dirtyLogMask !== 0) {
      const page = Math.floor((reg.ramAddr + off) / pageSize);
      for (let c = 0; c < 3; c++) if (fr.dirtyLogMask & (1 << c)) bits.add(`${c}:${page}`);
    }
    return MEMTX_OK;
  };
  const ldst = (op: Extract<ModelOp, { t: 'ld' | 'st' }>): { value: bigint; result: MemTxResult } => {
    const i = find(op.addr);
    if (i < 0) return { value: 0n, result: MEMTX_DECODE_ERROR };
    const { fr, reg, off } = at(i, op.addr);
    const isWrite = op.t === 'st';
    const stBytes = isWrite ? valueBytes((BigInt(op.hi) << 32n) | BigInt(op.value), op.size, op.be) : [];
    const viaOps = reg.kind === 'dev' || reg.kind === 'romDevice';
    if (op.addr + op.size <= ends[i]!) {
      const direct = isWrite
        ? reg.kind === 'ram' || reg.kind === 'rom'
        : reg.kind === 'ram' || reg.kind === 'rom' || (reg.kind === 'romDevice' && fr.romdMode);
      if (direct || (viaOps && (reg.validMax === 0 || op.size <= reg.validMax))) {
        if (isWrite) {
          stBytes.forEach((b, k) => byteWrite(op.addr + k, b));
          return { value: 0n, result: MEMTX_OK };
        }
        const bytes: number[] = [];
        for (let k = 0; k < op.size; k++) bytes.push(byteRead(op.addr + k)[0]);
        return { value: composeValue(bytes, op.be), result: MEMTX_OK };
      }
      return { value: 0n, result: MEMTX_DECODE_ERROR };
    }
    // Past the end of the range: the region's ops get the whole access (RAM has none → decode error).
    if (viaOps) {
      if (reg.validMax !== 0 && op.size > reg.validMax) return { value: 0n, result: MEMTX_DECODE_ERROR };
      if (isWrite) {
        stBytes.forEach((b, k) => (reg.model[off + k] = b));
        return { value: 0n, result: MEMTX_OK };
      }
      const bytes: number[] = [];
      for (let k = 0; k < op.size; k++) bytes.push(reg.model[off + k]!);
      return { value: composeValue(bytes, op.be), result: MEMTX_OK };
    }
    return { value: 0n, result: MEMTX_DECODE_ERROR };
  };
  const fail = (what: string, got: unknown, want: unknown): never => {
    throw new ModelMismatchError(`${what}: data path gave ${String(got)}, model ${String(want)}`);
  };

  for (const op of ops) {
    if (op.t === 'read') {
      const buf = new Uint8Array(op.len).fill(0xa5);
      const r = as.read(op.addr, buf);
      let mr: MemTxResult = MEMTX_OK;
      for (let k = 0; k < op.len; k++) {
        const [b, rr] = byteRead(op.addr + k);
        if (buf[k] !== b) fail(`read 0x${op.addr.toString(16)}+${op.len} byte ${k}`, buf[k], b);
        mr |= rr;
      }
      if (r !== mr) fail(`read 0x${op.addr.toString(16)}+${op.len} result`, r, mr);
    } else if (op.t === 'write') {
      const r = as.write(op.addr, Uint8Array.from(op.data));
      let mr: MemTxResult = MEMTX_OK;
      op.data.forEach((b, k) => (mr |= byteWrite(op.addr + k, b)));
      if (r !== mr) fail(`write 0x${op.addr.toString(16)}+${op.data.length} result`, r, mr);
    } else {
      const exp = ldst(op);
      const name = `${op.t}${op.size * 8}${op.be ? 'be' : 'le'} 0x${op.addr.toString(16)}`;
      if (op.t === 'ld') {
        let got: bigint;
        if (op.size === 1) got = BigInt(as.ldub(op.addr));
        else if (op.size === 2) got = BigInt(op.be ? as.lduwBe(op.addr) : as.lduwLe(op.addr));
        else if (op.size === 4) got = BigInt(op.be ? as.ldlBe(op.addr) : as.ldlLe(op.addr));
        else got = op.be ? as.ldqBe(op.addr) : as.ldqLe(op.addr);
        if (got !== exp.value) fail(`${name} value`, got, exp.value);
      } else if (op.size === 1) as.stb(op.addr, op.value);
      else if (op.size === 2) {
        if (op.be) as.stwBe(op.addr, op.value);
        else as.stwLe(op.addr, op.value);
      } else if (op.size === 4) {
        if (op.be) as.stlBe(op.addr, op.value);
        else as.stlLe(op.addr, op.value);
      } else {
        const v = (BigInt(op.hi) << 32n) | BigInt(op.value);
        if (op.be) as.stqBe(op.addr, v);
        else as.stqLe(op.addr, v);
      }
      if (as.result !== exp.result) fail(`${name} result`, as.result, exp.result);
    }
  }
  for (const [id, reg] of regions) {
    if (Buffer.compare(reg.real, reg.model) !== 0) {
      const k = reg.real.findIndex((b, i) => b !== reg.model[i]);
      fail(`region ${id} byte ${k}`, reg.real[k], reg.model[k]);
    }
  }
  return bits;
}
