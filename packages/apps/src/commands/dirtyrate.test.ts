import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createVirtMachine } from '@memvisor/tcg';
import { run } from '../../test/runCli.js';

const guests = join(dirname(fileURLToPath(import.meta.url)), '../../../../tools/guests/elf');

/** Pages of RAM whose bytes differ after the guest ran to its exit in this thread. */
function pagesChangedBy(name: string): number {
  const m = createVirtMachine({});
  m.loadElf(new Uint8Array(readFileSync(join(guests, `${name}.elf`))));
  const ram = m.bus.ram;
  const before = ram.slice();
  expect(m.run().reason).toBe('exit');
  let changed = 0;
  for (let p = 0; p < ram.length; p += 4096) {
    for (let i = p; i < p + 4096; i++) {
      if (ram[i] !== before[i]) {
        changed++;
        break;
      }
    }
  }
  return changed;
}

describe('memvisor dirtyrate (QEMU calc-dirty-rate, dirty-bitmap mode)', () => {
  it('counts every page the guest changed while it ran in the worker, and reports MB/s as QEMU computes it', async () => {
    const changed = pagesChangedBy('churn');
    expect(changed).toBeGreaterThan(1000); // 4 MiB of heap
    const r = await run('dirtyrate', join(guests, 'churn.elf'), '--calc-time', '0.5', '--json');
    expect(r).toMatchObject({ status: 0, err: '' });
    const result = JSON.parse(r.out) as Record<string, number | string>;
    expect(result).toMatchObject({ status: 'measured', mode: 'dirty-bitmap', 'calc-time': 0.5, 'page-size': 4096 });
    const pages = result['dirty-pages'] as number;
    // Every changed page is dirty; a page stored with its old value may be dirty too (the stack).
    expect(pages).toBeGreaterThanOrEqual(changed);
    expect(pages).toBeLessThanOrEqual(changed + 4);
    expect(result['dirty-rate']).toBe(Math.floor((Math.floor((pages * 4096) / 2 ** 20) * 1000) / 500));
  }, 30_000);

  it('without --json: the guest output, then the report', async () => {
    const r = await run('dirtyrate', join(guests, 'hello.elf'), '--calc-time', '0.2');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^Hello from memvisor guest!\n[\s\S]*Status: measured\nPeriod: 0.2 \(sec\)\nMode: dirty-bitmap\nDirty pages: \d+ \(4096 bytes each\)\nDirty rate: 0 \(MB\/s\)\n$/);
  }, 30_000);

  it('bad input: a period out of range or a missing file, before any worker starts', async () => {
    for (const t of ['0', '-1', '61', 'soon']) {
      const r = await run('dirtyrate', join(guests, 'hello.elf'), `--calc-time=${t}`);
      expect(r.status).toBe(2);
      expect(r.err).toContain('--calc-time takes seconds in (0, 60]');
    }
    const r = await run('dirtyrate', join(guests, 'no-such.elf'));
    expect(r.status).toBe(1);
    expect(r.err).toContain('no-such.elf: cannot read: no such file');
  });
});
