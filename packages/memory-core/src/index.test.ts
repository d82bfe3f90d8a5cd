import { describe, expect, it } from 'vitest';
import * as core from './index.js';

describe('memory-core entry point', () => {
  it('loads', () => {
    expect(typeof core).toBe('object');
  });
});
