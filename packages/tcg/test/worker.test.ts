import { describe, expect, it } from 'vitest';
import { ElfFormatError, startVcpuWorker } from '../src/index.js';
import { guestElf, guestFixture } from './guestFiles.js';

describe('vCPU in a worker thread over SharedArrayBuffer RAM', () => {
  it('runs a guest to its exit with the same UART output as QEMU', async () => {
    let out = '';
    const v = startVcpuWorker(guestElf('rv32i'), { ramSize: 1 << 24, onUart: (b) => (out += Buffer.from(b).toString('latin1')) });
    const s = await v.finished;
    expect(s.state).toBe('exit');
    expect(s.exitStatus).toBe(0);
    expect(out).toBe(guestFixture('rv32i'));
    await v.terminate();
  });

  it('the main thread stops, reads RAM, single-steps and resumes the vCPU', async () => {
    let out = '';
    const v = startVcpuWorker(guestElf('bench'), { ramSize: 1 << 24, slice: 100_000, onUart: (b) => (out += Buffer.from(b).toString('latin1')) });
    const stopped = await v.stop();
    expect(stopped.state).toBe('stopped');
    // The ELF image is visible in the shared RAM from this thread.
    expect(v.ram[0]).toBe(guestElf('bench')[0x1000]);
    const a = await v.step();
    const b = await v.step();
    expect(b.instret).toBe(a.instret + 1);
    expect((await v.resume()).state).toBe('running');
    const s = await v.finished;
    expect(s.state).toBe('exit');
    expect(out).toBe(guestFixture('bench'));
    await v.terminate();
  });

  it('startStopped (QEMU -S): nothing runs until resume, then the guest runs as usual', async () => {
    let out = '';
    const v = startVcpuWorker(guestElf('rv32i'), { ramSize: 1 << 24, startStopped: true, onUart: (b) => (out += Buffer.from(b).toString('latin1')) });
    await new Promise((r) => setTimeout(r, 200));
    expect(v.running).toBe(false);
    expect(out).toBe('');
    const first = await v.step(); // a stopped vCPU single-steps from its first instruction
    expect(first).toMatchObject({ state: 'stopped', instret: 1 });
    expect((await v.resume()).state).toBe('running');
    const s = await v.finished;
    expect(s.state).toBe('exit');
    expect(out).toBe(guestFixture('rv32i'));
    await v.terminate();
  });

  it('bad ELF input throws in the caller before a worker starts', () => {
    const bad = guestElf('hello');
    bad[4] = 2;
    expect(() => startVcpuWorker(bad)).toThrow(ElfFormatError);
  });
});

describe('vCPU worker commands after the guest exited', () => {
  it('stop, step and resume still answer, with the exit status', async () => {
    const v = startVcpuWorker(guestElf('fail'), { ramSize: 1 << 20 });
    const done = await v.finished;
    expect(done).toMatchObject({ state: 'exit', exitStatus: 7 });
    expect(await v.stop()).toMatchObject({ state: 'exit', exitStatus: 7 });
    expect(await v.step()).toMatchObject({ state: 'exit', instret: done.instret });
    expect(await v.resume()).toMatchObject({ state: 'exit' });
    await v.terminate();
  });
});
