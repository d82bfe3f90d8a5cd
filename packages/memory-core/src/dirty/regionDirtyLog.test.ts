import { describe, expect, it } from 'vitest';
import { MemorySystem } from '../topology/MemorySystem.js';
import { DIRTY_MEMORY_CODE, DIRTY_MEMORY_MIGRATION, DIRTY_MEMORY_VGA } from '../topology/types.js';
import type { MemoryListener, MemoryRegionSection } from '../listener/MemoryListener.js';
import { RamList } from '../ram/ramList.js';
import { bitmapNew, bitmapFromLe, testBit } from './bitmap.js';
import { RegionDirtyLog } from './regionDirtyLog.js';
import { DirtyClientError, DirtyRangeError, NoRamBlockError } from './errors.js';

const PS = 4096;
const PAGES = 64;
const RAM_BASE = 0x8000_0000n;

/**
 * A reference listener that keeps its own dirty log like KVM with manual
 * dirty-log protection: a guest write to a protected page sets the page's
 * bit in the "kernel" log; `logSync` copies the kernel bits of the section
 * into `collected` and pushes them into the RAM bitmaps (as KVM's
 * set_dirty_lebitmap) without clearing anything; `logClear` clears, for the
 * section, only the kernel bits it had collected (KVM_CLEAR_DIRTY_LOG with
 * the bitmap of the last sync) and re-protects those pages.
 *
 * `naive` makes logClear clear every kernel bit of the section instead —
 * the bug the split protects against.
 */
class KvmLikeListener implements MemoryListener {
  readonly name = 'kvm-like';
  readonly kernel = new Map<string, boolean[]>();
  readonly collected = new Map<string, boolean[]>();
  readonly syncs: MemoryRegionSection[] = [];
  readonly clears: MemoryRegionSection[] = [];

  constructor(
    private readonly log: RegionDirtyLog,
    private readonly naive = false,
  ) {}

  private slot(region: string): { kernel: boolean[]; collected: boolean[] } {
    if (!this.kernel.has(region)) {
      const pages = this.log.ramBlock(region).usedLength / PS;
      this.kernel.set(region, new Array<boolean>(pages).fill(false));
      this.collected.set(region, new Array<boolean>(pages).fill(false));
    }
    return { kernel: this.kernel.get(region)!, collected: this.collected.get(region)! };
  }

  /** The guest writes a page: the data, and the write fault on a protected page. */
  guestWrite(region: string, page: number, value: number): void {
    this.log.ramBlock(region).host[page * PS] = value;
    this.slot(region).kernel[page] = true;
  }

  logSync(section: MemoryRegionSection): void {
    this.syncs.push(section);
    const { kernel, collected } = this.slot(section.region);
    const first = Number(section.offsetWithinRegion) / PS;
    const pages = Number(section.size) / PS;
    const le = new Uint8Array(Math.ceil(pages / 64) * 8);
    for (let i = 0; i < pages; i++) {
      if (kernel[first + i]) {
        collected[first + i] = true;
        le[i >>> 3] = (le[i >>> 3] as number) | (1 << (i & 7));
      }
    }
    const block = this.log.ramBlock(section.region);
    this.log.ramList.dirtyMemory.setDirtyLebitmap(bitmapFromLe(le, pages), block.offset + first * PS, pages);
  }

  logClear(section: MemoryRegionSection): void {
    this.clears.push(section);
    const { kernel, collected } = this.slot(section.region);
    const first = Number(section.offsetWithinRegion) / PS;
    const end = first + Number(section.size) / PS;
    for (let p = first; p < end; p++) {
      if (this.naive || collected[p]) kernel[p] = false;
      collected[p] = false;
    }
  }
}

function machine(opts: { tcg?: boolean; naive?: boolean } = {}) {
  const sys = new MemorySystem({ tcg: opts.tcg ?? false });
  const root = sys.createContainer({ id: 'system', name: 'system', size: 1n << 32n });
  const ram = sys.createRam({ id: 'ram', name: 'riscv_virt_board.ram', size: BigInt(PAGES * PS) });
  sys.addSubregion(root, ram, RAM_BASE);
  sys.createAddressSpace('memory', root);
  const ramList = new RamList({ tcg: opts.tcg ?? false });
  const log = new RegionDirtyLog(sys, ramList);
  const block = log.allocRam(ram);
  const kvm = new KvmLikeListener(log, opts.naive ?? false);
  sys.registerListener('memory', kvm);
  return { sys, log, ramList, block, kvm, dm: ramList.dirtyMemory };
}

/** Which pages a migration bitmap has, as a list. */
function pagesOf(bmap: Uint32Array): number[] {
  const out: number[] = [];
  for (let p = 0; p < bmap.length * 32; p++) if (((bmap[p >>> 5] as number) >>> (p & 31)) & 1) out.push(p);
  return out;
}

describe('RegionDirtyLog: log_sync collects, log_clear clears', () => {
  // upstream 077874e01f: log_sync only collects, log_clear clears the remote log for the cleared range
  it('a page dirtied between log_sync and log_clear is not lost', () => {
    const { sys, log, block, kvm } = machine();
    sys.globalDirtyLogStart();
    const bmap = bitmapNew(PAGES);
    // The bulk stage: every page of a new block is dirty once.
    log.logSync();
    expect(log.syncMigrationBitmap(block, bmap)).toBe(PAGES);
    bmap.fill(0);

    kvm.guestWrite('ram', 3, 0x33);
    log.logSync();
    // log_sync only collected: the kernel log still has the page.
    expect(kvm.kernel.get('ram')![3]).toBe(true);
    expect(log.getDirty('ram', 3 * PS, PS, DIRTY_MEMORY_MIGRATION)).toBe(true);

    kvm.guestWrite('ram', 5, 0x55); // after the sync, before the clear
    const clearsBefore = kvm.clears.length;
    expect(log.syncMigrationBitmap(block, bmap)).toBe(1);
    expect(pagesOf(bmap)).toEqual([3]);
    // log_clear ran once, for the block's whole range, and cleared only what was collected.
    expect(kvm.clears.slice(clearsBefore).map((s) => [s.offsetWithinRegion, s.size])).toEqual([[0n, BigInt(PAGES * PS)]]);
    expect(kvm.kernel.get('ram')![3]).toBe(false);
    expect(kvm.kernel.get('ram')![5]).toBe(true);

    // The next round finds page 5.
    bmap.fill(0);
    log.logSync();
    expect(log.syncMigrationBitmap(block, bmap)).toBe(1);
    expect(pagesOf(bmap)).toEqual([5]);
  });

  it('a listener that clears everything in log_clear loses that page (what the split prevents)', () => {
    const { sys, log, block, kvm } = machine({ naive: true });
    sys.globalDirtyLogStart();
    const bmap = bitmapNew(PAGES);
    log.logSync();
    log.syncMigrationBitmap(block, bmap);
    bmap.fill(0);
    kvm.guestWrite('ram', 3, 1);
    log.logSync();
    kvm.guestWrite('ram', 5, 1);
    expect(log.syncMigrationBitmap(block, bmap)).toBe(1);
    bmap.fill(0);
    log.logSync();
    expect(log.syncMigrationBitmap(block, bmap)).toBe(0); // page 5 is gone
  });

  // upstream 077874e01f
  it('log_clear never touches the RAM bitmaps; log_sync never clears the listener log', () => {
    const { sys, log, kvm, dm } = machine();
    sys.globalDirtyLogStart();
    log.setLog('ram', true);
    log.testAndClearDirty('ram', 0, PAGES * PS, DIRTY_MEMORY_VGA);
    kvm.guestWrite('ram', 7, 1);
    log.logSync('ram');
    log.logSync('ram');
    expect(kvm.kernel.get('ram')![7]).toBe(true);
    expect(dm.getDirty(7 * PS, PS, DIRTY_MEMORY_VGA)).toBe(true);
    // A clear of another range calls log_clear, which leaves page 7's RAM bits alone.
    log.resetDirty('ram', 0, PS, DIRTY_MEMORY_VGA);
    expect(kvm.clears.at(-1)?.size).toBe(BigInt(PS));
    expect(dm.getDirty(7 * PS, PS, DIRTY_MEMORY_VGA)).toBe(true);
    expect(dm.getDirty(7 * PS, PS, DIRTY_MEMORY_MIGRATION)).toBe(true);
  });

  it('log_sync runs for logging ranges only, globally or for one region, before returning', () => {
    const { sys, log, kvm } = machine();
    const rom = sys.createRom({ id: 'rom', name: 'riscv_virt_board.mrom', size: BigInt(16 * PS) });
    sys.addSubregion('system', rom, 0x1000n);
    log.allocRam(rom);
    log.logSync();
    expect(kvm.syncs).toEqual([]); // nothing logs yet
    log.setLog('ram', true);
    log.logSync();
    expect(kvm.syncs.map((s) => s.region)).toEqual(['ram']);
    sys.globalDirtyLogStart();
    kvm.syncs.length = 0;
    log.logSync();
    expect(kvm.syncs.map((s) => s.region).sort()).toEqual(['ram', 'rom']);
    kvm.syncs.length = 0;
    log.logSync('rom');
    expect(kvm.syncs.map((s) => [s.region, s.offsetWithinAddressSpace])).toEqual([['rom', 0x1000n]]);
  });
});

describe('RegionDirtyLog: log_clear gets the section trimmed to the cleared range', () => {
  // upstream 077874e01f: memory_region_clear_dirty_bitmap from the three clearing paths
  it('test-and-clear, snapshot-and-clear and the migration sync each call log_clear for exactly their range', () => {
    const { sys, log, block, kvm } = machine();
    // A second window onto the first half of the RAM: both ranges are the region's.
    const alias = sys.createAlias({ id: 'low', name: 'ram.low', size: BigInt(32 * PS), target: 'ram', offset: 0n });
    sys.addSubregion('system', alias, 0x1000_0000n);
    log.setLog('ram', true);
    log.setLog('low', true);
    const trimmed = () => kvm.clears.map((s) => [s.offsetWithinAddressSpace, s.offsetWithinRegion, s.size]).sort((a, b) => Number((a[0] as bigint) - (b[0] as bigint)));

    kvm.clears.length = 0;
    log.testAndClearDirty('ram', 30 * PS + 5, 3 * PS, DIRTY_MEMORY_VGA); // pages 30..33
    expect(trimmed()).toEqual([
      [0x1000_0000n + BigInt(30 * PS), BigInt(30 * PS), BigInt(2 * PS)],
      [RAM_BASE + BigInt(30 * PS), BigInt(30 * PS), BigInt(4 * PS)],
    ]);

    kvm.clears.length = 0;
    log.snapshotAndClearDirty('ram', 40 * PS, 8 * PS, DIRTY_MEMORY_VGA);
    expect(trimmed()).toEqual([[RAM_BASE + BigInt(40 * PS), BigInt(40 * PS), BigInt(8 * PS)]]);

    kvm.clears.length = 0;
    sys.globalDirtyLogStart();
    log.syncMigrationBitmap(block, bitmapNew(PAGES));
    expect(trimmed()).toEqual([
      [0x1000_0000n, 0n, BigInt(32 * PS)],
      [RAM_BASE, 0n, BigInt(PAGES * PS)],
    ]);
  });

  // upstream 077874e01f: the double-buffered round is a clearing path too, and the
  // region-level round runs log_sync first, as migration_bitmap_sync does.
  it('the migration round collects the listener\'s pages, then clears them remotely and no others', () => {
    const { sys, log, block, kvm, dm } = machine();
    sys.globalDirtyLogStart();
    expect(log.syncMigrationRound()).toBe(PAGES); // the bulk stage: a new block is all dirty
    const page = (p: number): number => (testBit(dm.migrationBitmap()[0]!, block.offset / PS + p) ? 1 : 0);
    for (const b of dm.migrationBitmap()) b.fill(0);
    kvm.guestWrite('ram', 12, 1); // only the listener knows
    kvm.clears.length = 0;
    expect(log.syncMigrationRound()).toBe(1);
    expect(page(12)).toBe(1);
    expect(page(13)).toBe(0);
    expect(kvm.kernel.get('ram')![12]).toBe(false);
    expect(kvm.clears.map((s) => [s.offsetWithinRegion, s.size])).toEqual([[0n, BigInt(PAGES * PS)]]);
    // The DirtyMemory-level round alone does not ask the listener: its page waits for log_sync.
    kvm.guestWrite('ram', 20, 1);
    expect(dm.syncMigrationRound()).toBe(0);
    expect(log.syncMigrationRound()).toBe(1);
    expect(page(20)).toBe(1);
  });

  it('snapshot-and-clear syncs the region first, so the listener\'s pages are in the snapshot', () => {
    const { log, kvm } = machine();
    log.setLog('ram', true);
    log.testAndClearDirty('ram', 0, PAGES * PS, DIRTY_MEMORY_VGA);
    kvm.guestWrite('ram', 9, 1);
    const snap = log.snapshotAndClearDirty('ram', 0, PAGES * PS, DIRTY_MEMORY_VGA);
    expect(log.snapshotGetDirty('ram', snap, 9 * PS, PS)).toBe(true);
    expect(log.snapshotGetDirty('ram', snap, 8 * PS, PS)).toBe(false);
    expect(log.getDirty('ram', 9 * PS, PS, DIRTY_MEMORY_VGA)).toBe(false);
    expect(kvm.kernel.get('ram')![9]).toBe(false); // collected, then cleared by log_clear
  });
});

describe('RegionDirtyLog: region-level dirty API', () => {
  // upstream 2d1a35bef0: memory_region_is_logging(mr, client), memory_region_get_dirty_log_mask(mr)
  it('set_log, get_dirty_log_mask and is_logging per client; CODE only with TCG', () => {
    for (const tcg of [false, true]) {
      const { sys, log } = machine({ tcg });
      expect(log.isLogging('ram', DIRTY_MEMORY_VGA)).toBe(false);
      expect(log.isLogging('ram', DIRTY_MEMORY_CODE)).toBe(tcg); // upstream 677e7805cf
      log.setLog('ram', true);
      expect(log.isLogging('ram', DIRTY_MEMORY_VGA)).toBe(true);
      sys.globalDirtyLogStart();
      expect(log.getDirtyLogMask('ram')).toBe(0b101 | (tcg ? 0b010 : 0));
      log.setLog('ram', false);
      expect(log.isLogging('ram', DIRTY_MEMORY_VGA)).toBe(false);
    }
  });

  // upstream e87f7778b6: a region that does not log has no dirty work at all
  it('set_dirty marks the clients of the region\'s mask, and nothing when it does not log', () => {
    const { sys, log } = machine();
    log.testAndClearDirty('ram', 0, PAGES * PS, DIRTY_MEMORY_VGA);
    log.testAndClearDirty('ram', 0, PAGES * PS, DIRTY_MEMORY_MIGRATION);
    log.setDirty('ram', 0, PS);
    expect(log.getDirty('ram', 0, PS, DIRTY_MEMORY_VGA)).toBe(false);
    expect(log.getDirty('ram', 0, PS, DIRTY_MEMORY_MIGRATION)).toBe(false);
    log.setLog('ram', true);
    log.setDirty('ram', 0, PS);
    expect(log.getDirty('ram', 0, PS, DIRTY_MEMORY_VGA)).toBe(true);
    expect(log.getDirty('ram', 0, PS, DIRTY_MEMORY_MIGRATION)).toBe(false);
    sys.globalDirtyLogStart();
    log.setDirty('ram', PS, PS);
    expect(log.getDirty('ram', PS, PS, DIRTY_MEMORY_MIGRATION)).toBe(true);
  });

  it('allocRam names the block after the region; resize updates the region size first', () => {
    const sys = new MemorySystem();
    const root = sys.createContainer({ id: 'system', name: 'system', size: 1n << 32n });
    const rom = sys.createRom({ id: 'fw', name: 'fw.rom', owner: '/machine/fw_cfg', size: BigInt(4 * PS) });
    sys.addSubregion(root, rom, 0n);
    sys.createAddressSpace('memory', root);
    const log = new RegionDirtyLog(sys, new RamList());
    const seen: bigint[] = [];
    const block = log.allocRam(rom, { resizeable: true, maxSize: 16 * PS, resized: () => seen.push(sys.region('fw').size) });
    expect(block.idstr).toBe('/machine/fw_cfg/fw.rom');
    expect(log.ram('fw')).toEqual({ bytes: block.host, ramAddr: block.offset });
    log.ramList.resize(block, 8 * PS);
    expect(seen).toEqual([BigInt(8 * PS)]);
    expect(sys.flatView('memory').ranges[0]?.size).toBe(BigInt(8 * PS));
    log.freeRam('fw');
    expect(log.ram('fw')).toBeUndefined();
  });

  it('dispose detaches log_clear from the bitmaps; other clear hooks keep running', () => {
    const { log, kvm, dm } = machine();
    const tlbResets: number[] = [];
    dm.addClearHook((start) => tlbResets.push(start));
    log.setLog('ram', true);
    log.testAndClearDirty('ram', 0, PS, DIRTY_MEMORY_VGA);
    expect(kvm.clears.length).toBe(1);
    log.dispose();
    log.testAndClearDirty('ram', PS, PS, DIRTY_MEMORY_VGA);
    expect(kvm.clears.length).toBe(1);
    expect(tlbResets).toEqual([0, PS]);
  });

  it('bad input: typed errors, nothing changed, no listener called', () => {
    const { sys, log, kvm, dm } = machine();
    const io = sys.createIo({ id: 'uart', name: 'serial', size: 8n });
    log.setLog('ram', true);
    const vga = () => [...Array(PAGES).keys()].map((p) => dm.getDirty(p * PS, PS, DIRTY_MEMORY_VGA));
    const before = vga();
    const calls = () => kvm.syncs.length + kvm.clears.length;
    const c0 = calls();
    expect(() => log.allocRam(io)).toThrow(NoRamBlockError);
    expect(() => log.getDirty('uart', 0, 1, DIRTY_MEMORY_VGA)).toThrow(NoRamBlockError);
    expect(() => log.testAndClearDirty('ram', PAGES * PS - PS, 2 * PS, DIRTY_MEMORY_VGA)).toThrow(DirtyRangeError);
    expect(() => log.snapshotAndClearDirty('ram', 0, PS, 3)).toThrow(DirtyClientError);
    expect(() => log.snapshotAndClearDirty('ram', 0, PS, DIRTY_MEMORY_CODE)).toThrow(DirtyClientError); // no TCG
    expect(() => log.setDirty('ram', -1, PS)).toThrow(DirtyRangeError);
    expect(vga()).toEqual(before);
    expect(calls()).toBe(c0);
  });
});
