import { describe, expect, it } from 'vitest';
import {
  DIRTY_MEMORY_MIGRATION,
  DIRTY_MEMORY_VGA,
  MemorySystem,
  RamList,
  RegionDirtyLog,
  bitmapNew,
} from '@memvisor/memory-core';
import { DmaFaultError, TrackerRegistrationError } from '../errors.js';
import { DmaDirtyTracker, VFIO_DEVICE_STATE_RUNNING, VFIO_DEVICE_STATE_SAVING } from './DmaDirtyTracker.js';

const PS = 4096;
const PAGES = 64;
const RAM_BASE = 0x8000_0000;

function machine() {
  const sys = new MemorySystem();
  const root = sys.createContainer({ id: 'system', name: 'system', size: 1n << 32n });
  const ram = sys.createRam({ id: 'ram', name: 'riscv_virt_board.ram', size: BigInt(PAGES * PS) });
  const rom = sys.createRom({ id: 'rom', name: 'riscv_virt_board.mrom', size: BigInt(4 * PS) });
  sys.addSubregion(root, ram, BigInt(RAM_BASE));
  sys.addSubregion(root, rom, 0x1000n);
  sys.createAddressSpace('memory', root);
  const ramList = new RamList();
  const log = new RegionDirtyLog(sys, ramList);
  const block = log.allocRam(ram);
  log.allocRam(rom);
  // Start from clean bitmaps: take what allocation set.
  ramList.dirtyMemory.clearDirtyRange(0, ramList.lastRamPage() * PS, DIRTY_MEMORY_MIGRATION);
  ramList.dirtyMemory.clearDirtyRange(0, ramList.lastRamPage() * PS, DIRTY_MEMORY_VGA);
  const switches: boolean[] = [];
  const tracker = new DmaDirtyTracker(log, { name: 'c0', onTrackingChange: (on) => switches.push(on) });
  return { sys, log, ramList, block, tracker, switches, dm: ramList.dirtyMemory };
}

function pagesOf(bmap: Uint32Array): number[] {
  const out: number[] = [];
  for (let p = 0; p < bmap.length * 32; p++) if ((bmap[p >>> 5]! >>> (p & 31)) & 1) out.push(p);
  return out;
}

describe('DmaDirtyTracker (upstream 758b96b61d)', () => {
  it('tracking goes on at log_global_start and off at log_global_stop, once per container however many devices', () => {
    const { sys, tracker, switches } = machine();
    tracker.addDevice('0000:00:01.0');
    tracker.addDevice('0000:00:02.0');
    tracker.register('memory');
    expect(switches).toEqual([]);
    sys.globalDirtyLogStart();
    expect(switches).toEqual([true]);
    expect(tracker.tracking).toBe(true);
    sys.globalDirtyLogStart(); // already started: nothing
    expect(switches).toEqual([true]);
    sys.globalDirtyLogStop();
    expect(switches).toEqual([true, false]);
    expect(tracker.tracking).toBe(false);
  });

  it("RAM save's first sync already has device writes made before any device is SAVING", () => {
    const { sys, log, block, tracker } = machine();
    const dev = tracker.addDevice('nic');
    tracker.register('memory');
    dev.dmaWrite(RAM_BASE + 1 * PS, new Uint8Array([1])); // before migration: not logged
    // ram_save_setup: global dirty log start, then log_sync and the first bitmap sync
    sys.globalDirtyLogStart();
    dev.dmaWrite(RAM_BASE + 3 * PS + 10, new Uint8Array([0xaa, 0xbb]));
    dev.dmaWrite(RAM_BASE + 7 * PS - 1, new Uint8Array([1, 2])); // straddles pages 6 and 7
    expect(dev.state).toBe(VFIO_DEVICE_STATE_RUNNING); // not SAVING: sync must not care
    log.logSync();
    const bmap = bitmapNew(PAGES);
    expect(log.syncMigrationBitmap(block, bmap)).toBe(3);
    expect(pagesOf(bmap)).toEqual([3, 6, 7]);
    expect(block.host[3 * PS + 10]).toBe(0xaa);
    expect(block.host[1 * PS]).toBe(1);
  });

  it('device DMA bypasses the RAM bitmaps: only logSync reports it (VGA and MIGRATION), whatever the device state', () => {
    const { sys, log, tracker } = machine();
    const dev = tracker.addDevice('gpu');
    tracker.register('memory');
    sys.globalDirtyLogStart();
    for (const state of [VFIO_DEVICE_STATE_RUNNING, VFIO_DEVICE_STATE_SAVING, 0]) {
      dev.state = state;
      dev.dmaWrite(RAM_BASE + 9 * PS, new Uint8Array([state + 1]));
      expect(log.getDirty('ram', 9 * PS, PS, DIRTY_MEMORY_MIGRATION)).toBe(false);
      log.logSync('ram');
      expect(log.getDirty('ram', 9 * PS, PS, DIRTY_MEMORY_MIGRATION)).toBe(true);
      expect(log.getDirty('ram', 9 * PS, PS, DIRTY_MEMORY_VGA)).toBe(true);
      log.resetDirty('ram', 0, PAGES * PS, DIRTY_MEMORY_MIGRATION);
      log.resetDirty('ram', 0, PAGES * PS, DIRTY_MEMORY_VGA);
    }
  });

  it('logSync clears what it reported; stopping drops the log and later writes are not logged', () => {
    const { sys, log, tracker } = machine();
    const dev = tracker.addDevice('d');
    tracker.register('memory');
    sys.globalDirtyLogStart();
    dev.dmaWrite(RAM_BASE + 2 * PS, new Uint8Array(1));
    log.logSync();
    log.resetDirty('ram', 0, PAGES * PS, DIRTY_MEMORY_MIGRATION);
    log.logSync();
    expect(log.getDirty('ram', 0, PAGES * PS, DIRTY_MEMORY_MIGRATION)).toBe(false);
    dev.dmaWrite(RAM_BASE + 4 * PS, new Uint8Array(1));
    sys.globalDirtyLogStop();
    dev.dmaWrite(RAM_BASE + 5 * PS, new Uint8Array(1));
    sys.globalDirtyLogStart();
    log.logSync();
    expect(log.getDirty('ram', 4 * PS, 2 * PS, DIRTY_MEMORY_MIGRATION)).toBe(false);
    expect(log.getDirty('ram', 4 * PS, 2 * PS, DIRTY_MEMORY_VGA)).toBe(false);
    expect(log.getDirty('ram', 2 * PS, PS, DIRTY_MEMORY_VGA)).toBe(true); // reported once, before
  });

  it('a container registered while logging is on is replayed log_global_start and tracks at once', () => {
    const { sys, log, block, tracker, switches } = machine();
    sys.globalDirtyLogStart();
    const dev = tracker.addDevice('late');
    tracker.register('memory');
    expect(switches).toEqual([true]);
    dev.dmaWrite(RAM_BASE + 11 * PS, new Uint8Array([5]));
    log.logSync();
    const bmap = bitmapNew(PAGES);
    log.syncMigrationBitmap(block, bmap);
    expect(pagesOf(bmap)).toEqual([11]);
  });

  it('unmapping a section while tracking reports its pages first', () => {
    const { sys, log, tracker } = machine();
    const dev = tracker.addDevice('d');
    tracker.register('memory');
    sys.globalDirtyLogStart();
    dev.dmaWrite(RAM_BASE + 20 * PS, new Uint8Array([1]));
    sys.setEnabled('ram', false);
    expect(log.getDirty('ram', 20 * PS, PS, DIRTY_MEMORY_MIGRATION)).toBe(true);
    expect(() => dev.dmaWrite(RAM_BASE, new Uint8Array(1))).toThrow(DmaFaultError);
  });

  it('a DMA outside mapped RAM or into read-only memory faults and writes nothing', () => {
    const { sys, log, block, tracker } = machine();
    const dev = tracker.addDevice('d');
    tracker.register('memory');
    sys.globalDirtyLogStart();
    // runs off the end of RAM: the in-RAM part must not be written either
    const end = RAM_BASE + PAGES * PS;
    expect(() => dev.dmaWrite(end - 2, new Uint8Array([7, 7, 7, 7]))).toThrow(/is not mapped RAM/);
    expect(block.host[PAGES * PS - 2]).toBe(0);
    expect(() => dev.dmaWrite(0x1000, new Uint8Array([1]))).toThrow(/mapped read-only \(region "rom"\)/);
    expect(() => dev.dmaWrite(-1, new Uint8Array([1]))).toThrow(DmaFaultError);
    log.logSync();
    expect(log.getDirty('ram', 0, PAGES * PS, DIRTY_MEMORY_MIGRATION)).toBe(false);
  });

  it('one address space per container; unregistering unmaps and stops tracking', () => {
    const { sys, tracker, switches } = machine();
    const off = tracker.register('memory');
    expect(() => tracker.register('memory')).toThrow(TrackerRegistrationError);
    sys.globalDirtyLogStart();
    off();
    expect(switches).toEqual([true, false]);
    expect(tracker.registeredOn).toBeNull();
    expect(() => tracker.dmaWrite(RAM_BASE, new Uint8Array(1))).toThrow(/not mapped/);
    expect(sys.listeners()).toHaveLength(0);
  });
});
