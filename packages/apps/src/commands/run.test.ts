import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from '../../test/runCli.js';

const GUESTS = join(dirname(fileURLToPath(import.meta.url)), '../../../../tools/guests');

function fixture(name: string): { out: string; status: number } {
  return {
    out: readFileSync(join(GUESTS, 'fixtures', `${name}.out`), 'utf8'),
    status: Number(readFileSync(join(GUESTS, 'fixtures', `${name}.status`), 'utf8').trim()),
  };
}

describe('memvisor run', () => {
  it.each(['jit', 'interp'])('boots hello.elf with the %s engine: the UART output and exit status QEMU 7.2 gave', async (engine) => {
    const expected = fixture('hello');
    const r = await run('run', join(GUESTS, 'elf/hello.elf'), '--engine', engine);
    expect(r).toEqual({ status: expected.status, out: expected.out, err: '' });
  });

  it("makes the finisher's failure code the exit status", async () => {
    const expected = fixture('fail');
    expect(expected.status).not.toBe(0);
    const r = await run('run', join(GUESTS, 'elf/fail.elf'));
    expect(r.status).toBe(expected.status);
    expect(r.out).toBe(expected.out);
  });

  it('--json reports the run instead of streaming the output', async () => {
    const r = await run('run', join(GUESTS, 'elf/hello.elf'), '--json');
    const report = JSON.parse(r.out) as { reason: string; exitStatus: number; instret: number; output: string };
    expect(report.reason).toBe('exit');
    expect(report.output).toBe(fixture('hello').out);
    expect(report.instret).toBeGreaterThan(0);
  });

  it('a budget the guest does not finish in gives status 1 and says so', async () => {
    const r = await run('run', join(GUESTS, 'elf/hello.elf'), '--max-insns', '10');
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/did not exit \(budget after \d+ instructions\)/);
  });

  it('--trace prints translation blocks on stderr', async () => {
    const r = await run('run', join(GUESTS, 'elf/hello.elf'), '--trace');
    expect(r.status).toBe(0);
    expect(r.err).toMatch(/^TB 0x80000000 phys=0x80000000 /m);
  });

  it('an input that is not an ELF gives status 1 naming the problem', async () => {
    const r = await run('run', join(GUESTS, 'fixtures/hello.out'));
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/^memvisor: .*ELF/);
  });

  it('a missing file gives status 1 naming it', async () => {
    const r = await run('run', '/nonexistent/guest.elf');
    expect(r).toMatchObject({ status: 1, err: 'memvisor: /nonexistent/guest.elf: cannot read: no such file\n' });
  });

  it.each([
    [['run'], 'missing GUEST.elf'],
    [['run', 'a.elf', '--engine', 'qemu'], '--engine must be jit or interp, not qemu'],
    [['run', 'a.elf', '--max-insns', 'many'], '--max-insns takes a whole number, not many'],
  ])('usage mistakes give status 2: %j', async (argv, message) => {
    const r = await run(...argv);
    expect(r.status).toBe(2);
    expect(r.err).toContain(message);
  });
});
