import { describe, expect, it } from 'vitest';
import { main } from './cli.js';

describe('memvisor cli', () => {
  it('refuses an unknown command with status 2', async () => {
    expect(await main(['frobnicate'])).toBe(2);
  });
});
