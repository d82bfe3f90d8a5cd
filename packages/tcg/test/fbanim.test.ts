/**
 * The fbanim guest on memvisor, frame by frame: after each frame the test takes
 * the framebuffer's VGA dirty bits with snapshot-and-clear (QEMU's
 * memory_region_snapshot_and_clear_dirty, as a display device does per frame)
 * and checks they name exactly the pages whose bytes the frame changed. The
 * UART output is also QEMU's, which has no framebuffer (the guest then draws
 * into RAM only).
 */
import { describe, expect, it } from 'vitest';
import { DIRTY_MEMORY_VGA } from '@memvisor/memory-core';
import { createVirtMachine } from '../src/index.js';
import { guestElf, guestFixture } from './guestFiles.js';

const elf = guestElf('fbanim');
const fixture = guestFixture('fbanim');
const PAGE = 4096;

function pagesDiffering(a: Uint8Array, b: Uint8Array): number[] {
  const pages: number[] = [];
  for (let p = 0; p * PAGE < a.length; p++) {
    for (let i = p * PAGE; i < Math.min(a.length, (p + 1) * PAGE); i++) {
      if (a[i] !== b[i]) {
        pages.push(p);
        break;
      }
    }
  }
  return pages;
}

function wordsDiffering(a: Uint8Array, b: Uint8Array): number {
  const wa = new Uint32Array(a.buffer, a.byteOffset, a.length >>> 2);
  const wb = new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2);
  let n = 0;
  for (let i = 0; i < wa.length; i++) if (wa[i] !== wb[i]) n++;
  return n;
}

describe('fbanim: per-frame VGA dirty pages on the framebuffer', () => {
  for (const engine of ['jit', 'interp'] as const) {
    it(`${engine}: each frame's snapshot-and-clear names exactly the pages it changed; output equals QEMU's`, { timeout: 120_000 }, () => {
      let line = '';
      const lines: string[] = [];
      const m = createVirtMachine({
        engine,
        ramSize: 1 << 24,
        onUart: (b) => {
          line += String.fromCharCode(b);
          if (b === 10) {
            lines.push(line);
            line = '';
            m.stop();
          }
        },
      });
      m.loadElf(elf);
      const board = m.board;
      const fb = board.regions.framebuffer!;
      const size = board.framebufferWidth * board.framebufferHeight * 4;
      const host = board.framebufferBlock!.host.subarray(0, size);
      const snapshot = () => {
        const snap = board.dirtyLog.snapshotAndClearDirty(fb, 0, size, DIRTY_MEMORY_VGA);
        const pages: number[] = [];
        for (let p = 0; p * PAGE < size; p++) if (board.dirtyLog.snapshotGetDirty(fb, snap, p * PAGE, PAGE)) pages.push(p);
        return pages;
      };

      expect(m.run(1e9).reason).toBe('stopped');
      expect(lines).toEqual(['fbanim 320x240 frames=12\n']);
      snapshot(); // a new block starts all dirty
      let prev = host.slice();
      const dirtyPerFrame: number[][] = [];
      for (let f = 0; f < 12; f++) {
        expect(m.run(1e9).reason).toBe('stopped');
        const text = lines[lines.length - 1]!;
        expect(text.startsWith(`frame ${f} `)).toBe(true);
        const dirty = snapshot();
        const cur = host.slice();
        expect(dirty).toEqual(pagesDiffering(prev, cur));
        // The framebuffer holds what the guest drew: its own count of changed words.
        expect(`changed=${wordsDiffering(prev, cur)}\n`).toBe(/changed=\d+\n$/.exec(text)![0]);
        dirtyPerFrame.push(dirty);
        prev = cur;
      }
      expect(dirtyPerFrame[0]!.length).toBe(size / PAGE);
      expect(dirtyPerFrame[6]).toEqual([]);
      expect(dirtyPerFrame[7]!.length).toBeGreaterThan(0);
      expect(dirtyPerFrame[7]!.length).toBeLessThan(size / PAGE);

      let r = m.run(1e9);
      while (r.reason === 'stopped') r = m.run(1e9);
      expect(r.reason).toBe('exit');
      expect(r.exitStatus).toBe(0);
      expect(lines.join('') + line).toBe(fixture);
      expect(snapshot()).toEqual([]);
    });
  }

  it('without a framebuffer (as on QEMU) the probing store faults and the output is the same', () => {
    let out = '';
    const m = createVirtMachine({ framebuffer: false, ramSize: 1 << 24, onUart: (b) => (out += String.fromCharCode(b)) });
    m.loadElf(elf);
    expect(m.run(1e9).reason).toBe('exit');
    expect(out).toBe(fixture);
  });
});
