/**
 * CPU state save/load with the crash flag in an optional subsection
 * (upstream bac05aa9a7: CPUState.crash_occurred, migrated in the
 * cpu_common/crash_occurred subsection).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CRASH_OCCURRED_SUBSECTION,
  CpuStateError,
  CpuStateFormatError,
  CpuStateTrailingDataError,
  CpuStateTruncatedError,
  CpuStateValueError,
  CpuStateVersionError,
  UnknownCpuSubsectionError,
  createVirtMachine,
  loadCpuState,
  saveCpuState,
} from '../src/index.js';
import type { EngineKind, VirtMachine } from '../src/index.js';
import { guestElf as elfOf, guestFixture as fixtureOf } from './guestFiles.js';

function machine(name: string, engine: EngineKind = 'jit') {
  const out = { text: '' };
  const m = createVirtMachine({ engine, ramSize: 1 << 24, onUart: (b) => (out.text += String.fromCharCode(b)) });
  m.loadElf(elfOf(name));
  return { m, out };
}

/** A machine with some state worth saving: `timer` stopped half-way. */
function halfWay(): VirtMachine {
  const { m } = machine('timer');
  m.run(20_000);
  return m;
}

describe('CPU state round trip (upstream bac05aa9a7)', () => {
  const cases: [string, EngineKind][] = [
    ['hello', 'jit'],
    ['timer', 'jit'],
    ['timer', 'interp'],
    ['interrupts', 'jit'],
    ['paging', 'jit'],
    ['traps', 'interp'],
    ['rv32a', 'jit'],
    ['mmiosize', 'jit'],
  ];
  for (const [name, engine] of cases) {
    it(`${name}: run half-way, save, load into a fresh ${engine} machine, finish: QEMU's output, exit and instruction count`, () => {
      const whole = machine(name);
      const end = whole.m.run(1e9);
      expect(end.reason).toBe('exit');
      expect(whole.out.text).toBe(fixtureOf(name));

      const src = machine(name);
      expect(src.m.run(Math.floor(end.instret / 2)).reason).toBe('budget');
      const bytes = saveCpuState(src.m.cpu);

      const dst = machine(name, engine);
      dst.m.bus.ram.set(src.m.bus.ram);
      loadCpuState(dst.m.cpu, bytes);
      expect(saveCpuState(dst.m.cpu)).toEqual(bytes);
      const r = dst.m.run(1e9);
      expect(r.reason).toBe('exit');
      expect(r.exitStatus).toBe(end.exitStatus);
      expect(src.out.text + dst.out.text).toBe(whole.out.text);
      expect(r.instret).toBe(end.instret);
    });
  }

  it('the stream holds what resuming needs: mtimecmp and mtime offset, PMP, privilege, reservation', () => {
    const m = halfWay();
    const cpu = m.cpu;
    cpu.loadRes = 0x80001000 | 0;
    cpu.loadVal = 42;
    cpu.clint.skew = -12345;
    const bytes = saveCpuState(cpu);
    const { m: d } = machine('timer');
    d.cpu.tlb.tagR.fill(7);
    loadCpuState(d.cpu, bytes);
    for (const k of ['pc', 'priv', 'instret', 'mstatus', 'mie', 'mtvec', 'mepc', 'satp', 'loadRes', 'loadVal'] as const) {
      expect([k, d.cpu[k]]).toEqual([k, cpu[k]]);
    }
    expect(Array.from(d.cpu.x)).toEqual(Array.from(cpu.x));
    expect(Array.from(d.cpu.pmpcfg)).toEqual(Array.from(cpu.pmpcfg));
    expect(Array.from(d.cpu.pmpaddr)).toEqual(Array.from(cpu.pmpaddr));
    expect([d.cpu.clint.cmpLo, d.cpu.clint.cmpHi, d.cpu.clint.skew, d.cpu.clint.msip]).toEqual([
      cpu.clint.cmpLo,
      cpu.clint.cmpHi,
      -12345,
      cpu.clint.msip,
    ]);
    expect(d.cpu.clint.mtime()).toBe(cpu.clint.mtime());
    // The TLB is a cache: flushed on load, not carried.
    expect(d.cpu.tlb.tagR.every((t) => t !== 7)).toBe(true);
  });

  it('an mtime the guest set past 2^53 (a 64-bit all-ones write) saves and loads as it is', () => {
    const m = halfWay();
    m.cpu.clint.write(0x4000 + 0x7ffc, 4, 0xffffffff);
    m.cpu.clint.write(0x4000 + 0x7ff8, 4, 0xffffffff);
    const { m: d } = machine('timer');
    loadCpuState(d.cpu, saveCpuState(m.cpu));
    expect(d.cpu.clint.skew).toBe(m.cpu.clint.skew);
    expect(d.cpu.clint.mtime()).toBe(m.cpu.clint.mtime());
  });

  it('locked PMP entries load too (the hart checks M-mode against them afterwards)', () => {
    const { m } = machine('hello');
    const cpu = m.cpu;
    cpu.pmpaddr[0] = 0x80000000 >>> 2; // TOR below 0x80000000
    cpu.csrWrite(0x3a0, 0x89, 0, -1); // pmpcfg0: entry 0 TOR, locked, read only
    const { m: d } = machine('hello');
    loadCpuState(d.cpu, saveCpuState(cpu));
    expect(d.cpu.pmpcfg[0]).toBe(0x89);
    expect(d.cpu.pmpAllows(0x1000, 4, 1, 3)).toBe(false);
    expect(d.cpu.pmpAllows(0x1000, 4, 0, 3)).toBe(true);
  });
});

describe('crash_occurred travels in an optional subsection (upstream bac05aa9a7)', () => {
  const name = [...CRASH_OCCURRED_SUBSECTION].map((c) => c.charCodeAt(0));
  const contains = (bytes: Uint8Array, needle: number[]) =>
    bytes.some((_, i) => needle.every((b, j) => bytes[i + j] === b));

  it('guestPanicked stops the run with reason panicked and sets crashOccurred; run resumes the guest', () => {
    let lines = 0;
    let out = '';
    const m: VirtMachine = createVirtMachine({
      onUart: (b) => {
        out += String.fromCharCode(b);
        if (b === 10 && ++lines === 2) m.guestPanicked();
      },
    });
    m.loadElf(elfOf('traps'));
    expect(m.cpu.crashOccurred).toBe(false);
    const r = m.run(1e9);
    expect(r.reason).toBe('panicked');
    expect(m.cpu.crashOccurred).toBe(true);
    expect(out.split('\n').length - 1).toBe(2);
    expect(m.run(1e9).reason).toBe('exit');
    expect(out).toBe(fixtureOf('traps'));
    expect(m.cpu.crashOccurred).toBe(true);
  });

  it('is present exactly when the guest crashed, at the end of the stream', () => {
    const m = halfWay();
    const healthy = saveCpuState(m.cpu);
    expect(contains(healthy, name)).toBe(false);
    m.guestPanicked();
    const crashed = saveCpuState(m.cpu);
    expect(contains(crashed, name)).toBe(true);
    // marker, name length, name, version_id, bool
    expect(crashed.length).toBe(healthy.length + 1 + 1 + name.length + 4 + 1);
    expect(crashed.subarray(0, healthy.length)).toEqual(healthy);
    expect(crashed[healthy.length]).toBe(0x05);
  });

  it('a destination reads the flag from the subsection, and a stream without it loads with the flag clear', () => {
    const m = halfWay();
    const healthy = saveCpuState(m.cpu);
    m.guestPanicked();
    const crashed = saveCpuState(m.cpu);
    const { m: d } = machine('timer');
    loadCpuState(d.cpu, crashed);
    expect(d.cpu.crashOccurred).toBe(true);
    loadCpuState(d.cpu, healthy);
    expect(d.cpu.crashOccurred).toBe(false);
  });
});

describe('bad CPU state streams are typed errors naming section and offset, and leave the CPU untouched', () => {
  const base = halfWay();
  const healthy = saveCpuState(base.cpu);
  base.guestPanicked();
  const crashed = saveCpuState(base.cpu);
  const mainLength = healthy.length;

  function expectRefused(bytes: Uint8Array): CpuStateError {
    const { m } = machine('hello');
    m.run(500);
    const before = saveCpuState(m.cpu);
    const crashBefore = m.cpu.crashOccurred;
    let err: unknown;
    try {
      loadCpuState(m.cpu, bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CpuStateError);
    expect(saveCpuState(m.cpu)).toEqual(before);
    expect(m.cpu.crashOccurred).toBe(crashBefore);
    return err as CpuStateError;
  }

  const patch = (src: Uint8Array, at: number, bytes: number[]) => {
    const b = src.slice();
    b.set(bytes, at);
    return b;
  };

  it('every truncation of the main section and of the subsection', () => {
    for (let n = 0; n < crashed.length; n++) {
      if (n === mainLength) continue; // a complete stream without the subsection
      const e = expectRefused(crashed.subarray(0, n));
      expect(e).toBeInstanceOf(CpuStateTruncatedError);
      expect(e.offset).toBeLessThanOrEqual(n);
      const inSubsectionHeader = n < mainLength + 2 + CRASH_OCCURRED_SUBSECTION.length;
      expect(e.section).toBe(n < 12 ? 'header' : n < mainLength ? 'cpu' : inSubsectionHeader ? 'subsection' : CRASH_OCCURRED_SUBSECTION);
    }
  });

  it('an unknown subsection, named with its offset', () => {
    const sub = 'cpu/vector';
    const bytes = new Uint8Array([...healthy, 0x05, sub.length, ...[...sub].map((c) => c.charCodeAt(0)), 0, 0, 0, 1, 0]);
    const e = expectRefused(bytes);
    expect(e).toBeInstanceOf(UnknownCpuSubsectionError);
    expect((e as UnknownCpuSubsectionError).subsection).toBe(sub);
    expect(e.offset).toBe(mainLength);
    expect(e.message).toContain('cpu/vector');
  });

  it('magic, versions newer than supported, impossible values, trailing bytes', () => {
    let e = expectRefused(patch(healthy, 0, [0x51, 0x45, 0x56, 0x4d]));
    expect(e).toBeInstanceOf(CpuStateFormatError);
    expect([e.section, e.offset]).toEqual(['header', 0]);
    e = expectRefused(patch(healthy, 4, [0, 0, 0, 2]));
    expect(e).toBeInstanceOf(CpuStateVersionError);
    expect([e.section, e.offset]).toEqual(['header', 4]);
    e = expectRefused(patch(healthy, 9, [0x43]));
    expect(e).toBeInstanceOf(CpuStateFormatError);
    expect([e.section, e.offset]).toEqual(['header', 8]);
    e = expectRefused(patch(healthy, 12, [0, 0, 0, 9]));
    expect(e).toBeInstanceOf(CpuStateVersionError);
    expect([e.section, e.offset]).toEqual(['cpu', 12]);
    const privAt = 16 + 4 + 31 * 4;
    e = expectRefused(patch(healthy, privAt, [2]));
    expect(e).toBeInstanceOf(CpuStateValueError);
    expect([e.section, e.offset, (e as CpuStateValueError).field]).toEqual(['cpu', privAt, 'priv']);
    const subVersionAt = mainLength + 2 + CRASH_OCCURRED_SUBSECTION.length;
    e = expectRefused(patch(crashed, subVersionAt, [0, 0, 0, 2]));
    expect(e).toBeInstanceOf(CpuStateVersionError);
    expect([e.section, e.offset]).toEqual([CRASH_OCCURRED_SUBSECTION, subVersionAt]);
    e = expectRefused(patch(crashed, crashed.length - 1, [2]));
    expect(e).toBeInstanceOf(CpuStateValueError);
    expect([e.section, (e as CpuStateValueError).field]).toEqual([CRASH_OCCURRED_SUBSECTION, 'crash_occurred']);
    e = expectRefused(new Uint8Array([...crashed, 0]));
    expect(e).toBeInstanceOf(CpuStateTrailingDataError);
    expect(e.offset).toBe(crashed.length);
    e = expectRefused(new Uint8Array([...crashed, ...crashed.subarray(mainLength)]));
    expect(e).toBeInstanceOf(CpuStateTrailingDataError);
  });

  it('any single corrupted byte either loads or is a CpuStateError that changes nothing', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: crashed.length - 1 }), fc.integer({ min: 0, max: 255 }), (at, v) => {
        const bytes = patch(crashed, at, [v]);
        const { m } = machine('hello');
        const before = saveCpuState(m.cpu);
        try {
          loadCpuState(m.cpu, bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(CpuStateError);
          expect(saveCpuState(m.cpu)).toEqual(before);
          return;
        }
        expect(saveCpuState(m.cpu)).toEqual(bytes);
      }),
      { numRuns: 150 },
    );
  });
});
