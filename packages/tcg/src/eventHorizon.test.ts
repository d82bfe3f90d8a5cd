import { describe, expect, it } from 'vitest';
import { asm, exitOk, machineWith } from '../test/asm.js';
import { EVENT_HORIZON } from './index.js';
import type { EngineKind, VirtMachine } from './index.js';

// The run loop's event limit is never Infinity: with no budget and no timer deadline it
// stands eventHorizon instructions ahead, and reaching it only sends the run back
// through the event check.

const LOOP = [
  asm.addi(5, 0, 1000), // count
  asm.addi(6, 6, 3), // loop: x6 += 3
  asm.addi(5, 5, -1),
  asm.b(1, 5, 0, -8), // bne x5, x0, loop
  ...exitOk(),
];

function runWith(engine: EngineKind, horizon: number, budget = Infinity, instret = 0): VirtMachine {
  const m = machineWith(LOOP, engine);
  m.cpu.eventHorizon = horizon;
  m.cpu.instret = instret;
  m.run(budget);
  return m;
}

function state(m: VirtMachine) {
  const c = m.cpu;
  return { pc: c.pc, instret: c.instret, x: Array.from(c.x), reason: c.stopReason };
}

describe('event horizon', () => {
  it('with no budget and no timer deadline the event limit is an integer EVENT_HORIZON instructions ahead', () => {
    const cpu = machineWith(LOOP, 'jit').cpu;
    expect(cpu.eventHorizon).toBe(EVENT_HORIZON);
    cpu.instret = 1234;
    cpu.budgetAt = Infinity;
    cpu.checkEvents();
    expect(cpu.eventAt).toBe(1234 + EVENT_HORIZON);
    cpu.budgetAt = 1300;
    cpu.checkEvents();
    expect(cpu.eventAt).toBe(1300);
  });

  it('runs that cross the horizon, often or once, end in the interpreter\'s state with exact instret', () => {
    const ref = state(runWith('interp', EVENT_HORIZON));
    expect(ref.reason).toBe('exit');
    for (const horizon of [1, 7, 1000, EVENT_HORIZON]) {
      expect(state(runWith('jit', horizon))).toEqual(ref);
      expect(state(runWith('interp', horizon))).toEqual(ref);
    }
  });

  it('a budget still ends exactly when the horizon is shorter than it', () => {
    for (const budget of [1, 5, 123, 2001]) {
      const ref = state(runWith('interp', EVENT_HORIZON, budget));
      expect(ref).toMatchObject({ reason: 'budget', instret: budget });
      for (const horizon of [1, 7, 100]) expect(state(runWith('jit', horizon, budget))).toEqual(ref);
    }
  });

  it('instret past the Smi range (2^31) still counts exactly', () => {
    const start = 2 ** 31 - 100;
    const a = runWith('interp', EVENT_HORIZON, Infinity, start);
    const b = runWith('jit', EVENT_HORIZON, Infinity, start);
    expect(state(b)).toEqual(state(a));
    expect(b.cpu.instret - start).toBe(runWith('jit', EVENT_HORIZON).cpu.instret);
  });
});
