import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { BigLock } from './bigLock.js';
import { DataPlane } from './DataPlane.js';
import { BigLockTimeoutError } from './errors.js';
import { flatRange, flatView, HandRegionSource } from './internal/handTopology.js';

function setup(lock: BigLock) {
  const src = new HandRegionSource();
  src.addRam('ram', 0x1000);
  src.addIo('locked');
  src.addIo('lockless');
  const plane = new DataPlane(src, { bigLock: lock });
  const as = plane.createAddressSpace('memory');
  const seen: { dev: string; heldByMe: boolean; held: boolean }[] = [];
  const probe = (dev: string) => () => {
    seen.push({ dev, heldByMe: lock.heldByMe, held: lock.held });
    return 0;
  };
  plane.registerOps('locked', { endianness: 'little', read: probe('locked'), write: () => undefined });
  // upstream 196ea13104: a region with global_locking cleared is dispatched without the big lock
  plane.registerOps('lockless', { endianness: 'little', read: probe('lockless') }, { globalLocking: false });
  plane.publish(
    as,
    flatView([flatRange('ram', 0, 0x1000), flatRange('locked', 0x1000, 0x100), flatRange('lockless', 0x2000, 0x100)]),
  );
  return { plane, as, seen };
}

describe('big lock around MMIO callbacks', () => {
  it('locking regions run their callbacks under the big lock; globalLocking=false ones and RAM do not take it', () => {
    // upstream 196ea13104
    const lock = new BigLock();
    const { as, seen } = setup(lock);
    as.ldlLe(0x1000);
    as.ldlLe(0x2000);
    as.ldlLe(0x10);
    as.stlLe(0x10, 1);
    expect(seen).toEqual([
      { dev: 'locked', heldByMe: true, held: true },
      { dev: 'lockless', heldByMe: false, held: false },
    ]);
    expect(lock.acquisitions).toBe(1);
    expect(lock.held).toBe(false);
  });

  it('a callback that does DMA to another locking device does not deadlock (the lock is per-thread reentrant)', () => {
    const lock = new BigLock();
    const { plane, as, seen } = setup(lock);
    plane.registerOps('lockless', {
      endianness: 'little',
      read: () => {
        seen.push({ dev: 'outer', heldByMe: lock.heldByMe, held: lock.held });
        return as.ldub(0x1000);
      },
    }, { globalLocking: true });
    as.ldub(0x2000);
    expect(seen.map((s) => [s.dev, s.heldByMe])).toEqual([
      ['outer', true],
      ['locked', true],
    ]);
    expect(lock.held).toBe(false);
  });

  it('lock(timeout) gives up with BigLockTimeoutError when another holder never releases', () => {
    const a = new BigLock();
    const b = new BigLock(a.buffer);
    a.lock();
    expect(b.tryLock()).toBe(false);
    expect(() => b.lock(20)).toThrow(BigLockTimeoutError);
    a.unlock();
    expect(b.tryLock()).toBe(true);
    b.unlock();
  });

  it('worker threads: while another thread holds the big lock, a lockless device is dispatched at once and a locking one waits', async () => {
    // upstream 196ea13104
    const lock = new BigLock();
    const ctl = new Int32Array(new SharedArrayBuffer(12)); // [0] worker holds the lock, [2] worker is releasing
    const worker = new Worker(
      `
      const { workerData } = require('node:worker_threads');
      const cell = new Int32Array(workerData.lock, 0, 1);
      const ctl = new Int32Array(workerData.ctl);
      while (Atomics.compareExchange(cell, 0, 0, 1) !== 0) Atomics.wait(cell, 0, Atomics.load(cell, 0), 10);
      Atomics.store(ctl, 0, 1);
      Atomics.notify(ctl, 0);
      Atomics.wait(ctl, 1, 0, 150);
      Atomics.store(ctl, 2, 1);
      if (Atomics.exchange(cell, 0, 0) === 2) Atomics.notify(cell, 0, 1);
      `,
      { eval: true, workerData: { lock: lock.buffer, ctl: ctl.buffer } },
    );
    const exited = new Promise((resolve) => worker.on('exit', resolve));
    expect(Atomics.wait(ctl, 0, 0, 5000)).not.toBe('timed-out');
    const { plane, as } = setup(lock);
    const order: string[] = [];
    plane.registerOps('locked', {
      endianness: 'little',
      read: () => {
        order.push(`locked:released=${Atomics.load(ctl, 2)}:mine=${lock.heldByMe}`);
        return 1;
      },
    });
    plane.registerOps(
      'lockless',
      {
        endianness: 'little',
        read: () => {
          order.push(`lockless:released=${Atomics.load(ctl, 2)}:held=${lock.held}`);
          return 2;
        },
      },
      { globalLocking: false },
    );
    expect(as.ldub(0x2000)).toBe(2);
    expect(as.ldub(0x1000)).toBe(1);
    expect(order).toEqual(['lockless:released=0:held=true', 'locked:released=1:mine=true']);
    await exited;
  });
});
