import { describe, expect, it } from 'vitest';
import { MemorySystem, MemorySystemDataPlane, RamList, RegionDirtyLog } from '@memvisor/memory-core';
import { bufferIsZero } from '../zero/bufferIsZero.js';
import { RamBlockMigrationState } from './ramBlockMigrationState.js';

const PS = 4096;
const PAGES = 256;
const RAM_BASE = 0x8000_0000;

/**
 * RAM save's bookkeeping over memory-core's real write path: guest stores
 * through the data plane set MIGRATION bits, `syncDirtyLog` + `sync` bring
 * them into the block's bitmap, zero pages are found in place, and the switch
 * to postcopy discards what was dirtied after being sent (upstream f3f491fcd6,
 * 34664507c7).
 */
describe('a precopy round and the postcopy switch over data-plane stores', () => {
  it('bulk stage, zero pages, redirtied pages and the discard list', () => {
    const sys = new MemorySystem();
    const root = sys.createContainer({ id: 'system', name: 'system', size: 1n << 32n });
    sys.createRam({ id: 'ram', name: 'riscv_virt_board.ram', size: BigInt(PAGES * PS) });
    sys.addSubregion(root, 'ram', BigInt(RAM_BASE));
    sys.createAddressSpace('memory', root);
    const ramList = new RamList();
    const log = new RegionDirtyLog(sys, ramList);
    const block = log.allocRam('ram');
    const as = new MemorySystemDataPlane(sys, ramList).addressSpace('memory');
    for (let p = 0; p < 10; p++) as.stlLe(RAM_BASE + p * PS + 8 * p, 0x1000 + p);

    // ram_save_setup
    sys.globalDirtyLogStart();
    const st = new RamBlockMigrationState(block, ramList.dirtyMemory, { postcopy: true });
    sys.syncDirtyLog();
    st.sync();
    expect(st.dirtyPages).toBe(PAGES);

    // the bulk stage: every page once, zero pages detected in place
    const zero: number[] = [];
    for (let p = st.findDirty(); p < st.pages; p = st.findDirty(p + 1)) {
      if (bufferIsZero(block.host, p * PS, PS)) zero.push(p);
      st.markSent(p);
    }
    expect(zero).toEqual([...Array(PAGES - 10).keys()].map((i) => i + 10));
    expect([st.dirtyPages, st.unsentPages]).toEqual([0, 0]);

    // the guest keeps running: two pages dirtied again, one of them a zero page so far
    as.stlLe(RAM_BASE + 3 * PS, 0xdead);
    as.stb(RAM_BASE + 200 * PS + 4095, 1);
    sys.syncDirtyLog();
    expect(st.sync()).toBe(2);
    expect([st.findDirty(), st.findDirty(4)]).toEqual([3, 200]);
    expect(bufferIsZero(block.host, 200 * PS, PS)).toBe(false);

    // one more page goes out, then the switch: only page 200 must be discarded
    st.markSent(3);
    as.stlLe(RAM_BASE + 250 * PS, 7); // dirtied during the switch's last sync window
    const d = st.postcopyDiscard();
    expect(d.ranges).toEqual([
      { start: 200 * PS, length: PS },
      { start: 250 * PS, length: PS },
    ]);
    expect(st.dirtyPages).toBe(2);
  });
});
