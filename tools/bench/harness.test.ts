import { describe, expect, it } from 'vitest';
import { record } from './harness.js';

describe('bench record', () => {
  it('a time is compared as value over baseline', () => {
    expect(record({ id: 'x', value: 6, unit: 'ms', baseline: 'copy', baselineValue: 2 }).ratio).toBe(3);
  });
  it('a rate is compared as baseline over value', () => {
    expect(record({ id: 'x', value: 50, unit: 'ops/s', baseline: 'DataView', baselineValue: 100 }).ratio).toBe(2);
  });
  it('a missing baseline gives no ratio', () => {
    expect(record({ id: 'x', value: 5, unit: 'ms', baseline: 'qemu', baselineValue: NaN }).ratio).toBeNull();
  });
});
