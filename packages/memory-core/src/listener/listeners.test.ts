import { describe, expect, it } from 'vitest';
import { map, tap } from 'rxjs';
import { ReentrantMutationError, UnknownAddressSpaceError } from '../errors.js';
import { MemorySystem } from '../topology/MemorySystem.js';
import { DIRTY_MEMORY_CODE, DIRTY_MEMORY_MIGRATION, DIRTY_MEMORY_VGA } from '../topology/types.js';
import type { ListenerOp, MemoryListener, MemoryRegionSection } from './MemoryListener.js';

const VGA = 1 << DIRTY_MEMORY_VGA;
const CODE = 1 << DIRTY_MEMORY_CODE;
const MIG = 1 << DIRTY_MEMORY_MIGRATION;

function sec(s: MemoryRegionSection): string {
  return `${s.region}@${s.offsetWithinAddressSpace.toString(16)}+${s.size.toString(16)}${s.readonly ? ' ro' : ''}`;
}

/** A listener writing `name:callback args` lines into `log`. */
function recorder(name: string, log: string[]): MemoryListener {
  return {
    name,
    begin: () => log.push(`${name}:begin`),
    commit: () => log.push(`${name}:commit`),
    regionAdd: (s) => log.push(`${name}:add ${sec(s)}`),
    regionDel: (s) => log.push(`${name}:del ${sec(s)}`),
    regionNop: (s) => log.push(`${name}:nop ${sec(s)}`),
    logStart: (s, o, n) => log.push(`${name}:logStart ${sec(s)} ${o}->${n}`),
    logStop: (s, o, n) => log.push(`${name}:logStop ${sec(s)} ${o}->${n}`),
    logSync: (s) => log.push(`${name}:logSync ${sec(s)}`),
    logClear: (s) => log.push(`${name}:logClear ${sec(s)}`),
    logGlobalStart: () => log.push(`${name}:logGlobalStart`),
    logGlobalStop: () => log.push(`${name}:logGlobalStop`),
  };
}

function machine(tcg = false): MemorySystem {
  const m = new MemorySystem({ tcg });
  m.createContainer({ name: 'sys', size: 0x10000n });
  m.createRam({ name: 'ram', size: 0x1000n });
  m.createIo({ name: 'io', size: 0x100n });
  m.addSubregion('sys', 'ram', 0n);
  m.addSubregion('sys', 'io', 0x2000n);
  m.createAddressSpace('as', 'sys');
  return m;
}

describe('listener registration', () => {
  it('a late listener is replayed the current view: begin, region_add per range, commit', () => {
    const m = machine();
    const log: string[] = [];
    m.registerListener('as', recorder('L', log));
    expect(log).toEqual(['L:begin', 'L:add ram@0+1000', 'L:add io@2000+100', 'L:commit']);
  });

  it('with global dirty logging on, the replay starts with log_global_start and log_start(0, mask) follows each logging range', () => {
    const m = machine(true);
    m.setLog('io', true);
    m.globalDirtyLogStart();
    const log: string[] = [];
    m.registerListener('as', recorder('L', log));
    expect(log).toEqual([
      'L:begin',
      'L:logGlobalStart',
      'L:add ram@0+1000',
      `L:logStart ram@0+1000 0->${CODE | MIG}`,
      'L:add io@2000+100',
      `L:logStart io@2000+100 0->${VGA}`,
      'L:commit',
    ]);
  });

  it('unregistering replays the removal: log_stop(mask, 0) then region_del per range, no log_global_stop', () => {
    const m = machine(true);
    m.globalDirtyLogStart();
    const log: string[] = [];
    const off = m.registerListener('as', recorder('L', log));
    log.length = 0;
    off();
    expect(log).toEqual([
      'L:begin',
      `L:logStop ram@0+1000 ${CODE | MIG}->0`,
      'L:del ram@0+1000',
      'L:del io@2000+100',
      'L:commit',
    ]);
    log.length = 0;
    off();
    m.setEnabled('io', false);
    expect(log).toEqual([]);
  });

  it('registering on an unknown address space throws', () => {
    expect(() => machine().registerListener('nope', {})).toThrow(UnknownAddressSpaceError);
  });
});

describe('topology commit delivery', () => {
  it('deletes go to listeners in reverse priority order, adds and nops forward; begin/commit in global order', () => {
    const m = machine();
    const log: string[] = [];
    m.registerListener('as', recorder('P10', log), 10);
    m.registerListener('as', recorder('P0', log), 0);
    m.registerListener('as', recorder('P5', log), 5);
    log.length = 0;
    m.setAddress('io', 0x3000n);
    expect(log).toEqual([
      'P0:begin',
      'P5:begin',
      'P10:begin',
      'P10:del io@2000+100',
      'P5:del io@2000+100',
      'P0:del io@2000+100',
      'P0:nop ram@0+1000',
      'P5:nop ram@0+1000',
      'P10:nop ram@0+1000',
      'P0:add io@3000+100',
      'P5:add io@3000+100',
      'P10:add io@3000+100',
      'P0:commit',
      'P5:commit',
      'P10:commit',
    ]);
  });

  it('equal priorities keep registration order', () => {
    const m = machine();
    const log: string[] = [];
    m.registerListener('as', recorder('A', log));
    m.registerListener('as', recorder('B', log));
    log.length = 0;
    m.setEnabled('io', false);
    expect(log).toEqual(['A:begin', 'B:begin', 'B:del io@2000+100', 'A:del io@2000+100', 'A:nop ram@0+1000', 'B:nop ram@0+1000', 'A:commit', 'B:commit']);
  });

  it('all deletes of a commit come before its adds; a changed attribute is a delete plus an add', () => {
    const m = machine();
    const log: string[] = [];
    m.registerListener('as', recorder('L', log));
    log.length = 0;
    m.transaction(() => {
      m.setReadonly('ram', true);
      m.setAddress('io', 0x3000n);
    });
    expect(log).toEqual([
      'L:begin',
      'L:del ram@0+1000',
      'L:del io@2000+100',
      'L:add ram@0+1000 ro',
      'L:add io@3000+100',
      'L:commit',
    ]);
  });

  it('only the outermost commit renders and notifies', () => {
    const m = machine();
    const log: string[] = [];
    m.registerListener('as', recorder('L', log));
    log.length = 0;
    m.begin();
    m.begin();
    m.setEnabled('io', false);
    m.commit();
    expect(log).toEqual([]);
    expect(m.flatView('as').ranges.length).toBe(2);
    m.commit();
    expect(log).toEqual(['L:begin', 'L:del io@2000+100', 'L:nop ram@0+1000', 'L:commit']);
    expect(m.flatView('as').ranges.length).toBe(1);
  });

  it('a change with no update pending notifies nobody (same value, or hidden in a disabled container)', () => {
    const m = machine();
    const log: string[] = [];
    m.registerListener('as', recorder('L', log));
    log.length = 0;
    m.setEnabled('io', true);
    m.setReadonly('ram', false);
    m.createContainer({ name: 'off', size: 0x100n });
    m.setEnabled('off', false);
    log.length = 0;
    m.addSubregion('sys', 'off', 0x4000n);
    m.createIo({ name: 'child', size: 0x10n });
    m.addSubregion('off', 'child', 0n);
    expect(log).toEqual([]);
  });

  it('listeners see only their own address space; begin/commit go to every listener', () => {
    const m = machine();
    m.createContainer({ name: 'other-root', size: 0x1000n });
    m.createIo({ name: 'dev', size: 0x10n });
    m.addSubregion('other-root', 'dev', 0n);
    m.createAddressSpace('other', 'other-root');
    const log: string[] = [];
    m.registerListener('as', recorder('A', log));
    m.registerListener('other', recorder('O', log));
    log.length = 0;
    m.setEnabled('io', false);
    expect(log).toEqual([
      'A:begin',
      'O:begin',
      'A:del io@2000+100',
      'A:nop ram@0+1000',
      'O:nop dev@0+10',
      'A:commit',
      'O:commit',
    ]);
  });

  it('destroying an address space unregisters its listeners, each seeing the removal', () => {
    const m = machine();
    const log: string[] = [];
    m.registerListener('as', recorder('L', log));
    log.length = 0;
    m.destroyAddressSpace('as');
    expect(log).toEqual(['L:begin', 'L:del ram@0+1000', 'L:del io@2000+100', 'L:commit']);
    expect(m.listeners()).toEqual([]);
    expect(() => m.flatView('as')).toThrow(UnknownAddressSpaceError);
  });
});

describe('dirty-log masks and log_start/log_stop', () => {
  it('log_start fires when bits appear and log_stop when they vanish, with old and new masks', () => {
    // upstream b2dfd71c48
    const m = machine(true);
    const log: string[] = [];
    m.registerListener('as', recorder('L', log));
    log.length = 0;
    m.setLog('ram', true);
    expect(log).toEqual(['L:begin', 'L:nop ram@0+1000', `L:logStart ram@0+1000 ${CODE}->${CODE | VGA}`, 'L:nop io@2000+100', 'L:commit']);
    log.length = 0;
    m.setLog('ram', false);
    expect(log).toEqual(['L:begin', 'L:nop ram@0+1000', `L:logStop ram@0+1000 ${CODE | VGA}->${CODE}`, 'L:nop io@2000+100', 'L:commit']);
  });

  it('log_start and log_stop both fire for one range when some bits appear and others vanish', () => {
    // upstream b2dfd71c48
    const m = machine();
    m.setLog('ram', true);
    const log: string[] = [];
    m.registerListener('as', recorder('A', log), 0);
    m.registerListener('as', recorder('B', log), 1);
    log.length = 0;
    m.transaction(() => {
      m.setLog('ram', false);
      m.globalDirtyLogStart();
    });
    expect(log).toEqual([
      'A:logGlobalStart',
      'B:logGlobalStart',
      'A:begin',
      'B:begin',
      'A:nop ram@0+1000',
      'B:nop ram@0+1000',
      `A:logStart ram@0+1000 ${VGA}->${MIG}`,
      `B:logStart ram@0+1000 ${VGA}->${MIG}`,
      `B:logStop ram@0+1000 ${VGA}->${MIG}`,
      `A:logStop ram@0+1000 ${VGA}->${MIG}`,
      'A:nop io@2000+100',
      'B:nop io@2000+100',
      'A:commit',
      'B:commit',
    ]);
  });

  it('the VGA use count: only the first on and the last off change the mask', () => {
    // upstream b2dfd71c48
    const m = machine();
    const log: string[] = [];
    m.registerListener('as', recorder('L', log));
    log.length = 0;
    m.setLog('io', true);
    m.setLog('io', true);
    m.setLog('io', false);
    expect(log.filter((l) => l.includes('log'))).toEqual([`L:logStart io@2000+100 0->${VGA}`]);
    expect(m.state.regions['io']?.vgaLogCount).toBe(1);
    m.setLog('io', false);
    expect(log.filter((l) => l.includes('log'))).toEqual([`L:logStart io@2000+100 0->${VGA}`, `L:logStop io@2000+100 ${VGA}->0`]);
  });

  it('global dirty logging: log_global_start before the MIGRATION bit appears; log_global_stop (reverse) after it vanishes', () => {
    const m = machine();
    const log: string[] = [];
    m.registerListener('as', recorder('A', log), 0);
    m.registerListener('as', recorder('B', log), 1);
    log.length = 0;
    m.globalDirtyLogStart();
    expect(log).toEqual([
      'A:logGlobalStart',
      'B:logGlobalStart',
      'A:begin',
      'B:begin',
      'A:nop ram@0+1000',
      'B:nop ram@0+1000',
      `A:logStart ram@0+1000 0->${MIG}`,
      `B:logStart ram@0+1000 0->${MIG}`,
      'A:nop io@2000+100',
      'B:nop io@2000+100',
      'A:commit',
      'B:commit',
    ]);
    log.length = 0;
    m.globalDirtyLogStart();
    expect(log).toEqual([]);
    m.globalDirtyLogStop();
    expect(log).toEqual([
      'A:begin',
      'B:begin',
      'A:nop ram@0+1000',
      'B:nop ram@0+1000',
      `B:logStop ram@0+1000 ${MIG}->0`,
      `A:logStop ram@0+1000 ${MIG}->0`,
      'A:nop io@2000+100',
      'B:nop io@2000+100',
      'A:commit',
      'B:commit',
      'B:logGlobalStop',
      'A:logGlobalStop',
    ]);
  });

  it('memory_region_get_dirty_log_mask and memory_region_is_logging', () => {
    // upstream 2d1a35bef0
    const m = machine(true);
    m.createAlias({ name: 'al', target: 'ram', offset: 0n, size: 0x1000n });
    m.createRom({ name: 'rom', size: 0x1000n });
    m.createRomDevice({ name: 'flash', size: 0x1000n });
    expect(m.getDirtyLogMask('ram')).toBe(CODE);
    expect(m.getDirtyLogMask('rom')).toBe(CODE);
    expect(m.getDirtyLogMask('flash')).toBe(CODE);
    expect(m.getDirtyLogMask('io')).toBe(0);
    expect(m.getDirtyLogMask('al')).toBe(0);
    m.setLog('io', true);
    m.globalDirtyLogStart();
    expect(m.getDirtyLogMask('ram')).toBe(CODE | MIG);
    expect(m.getDirtyLogMask('io')).toBe(VGA);
    expect(m.isLogging('ram', DIRTY_MEMORY_MIGRATION)).toBe(true);
    expect(m.isLogging('ram', DIRTY_MEMORY_VGA)).toBe(false);
    expect(m.isLogging('io', DIRTY_MEMORY_VGA)).toBe(true);
    expect(m.isLogging('io', DIRTY_MEMORY_CODE)).toBe(false);
    expect(machine(false).getDirtyLogMask('ram')).toBe(0);
    // a RAM device is not migratable: no MIGRATION bit, but TCG still tracks code in it
    m.createRam({ name: 'bar', size: 0x1000n, ramDevice: true });
    expect(m.getDirtyLogMask('bar')).toBe(CODE);
  });

  it('log_sync goes to every logging range of each log_sync listener; log_clear is cut to the requested window', () => {
    const m = machine(true);
    m.createAlias({ name: 'hi', target: 'ram', offset: 0x800n, size: 0x800n });
    m.addSubregion('sys', 'hi', 0x8000n);
    const log: string[] = [];
    m.registerListener('as', recorder('L', log));
    log.length = 0;
    m.syncDirtyLog();
    expect(log).toEqual(['L:logSync ram@0+1000', 'L:logSync ram@8000+800']);
    log.length = 0;
    m.syncDirtyLog('io');
    expect(log).toEqual([]);
    m.clearDirtyLog('ram', 0xc00n, 0x100n);
    expect(log).toEqual(['L:logClear ram@c00+100', 'L:logClear ram@8400+100']);
  });
});

describe('RxJS listeners', () => {
  it('ops$ emits the replay and then every operation, synchronously, until unsubscribed', () => {
    const m = machine();
    const seen: string[] = [];
    const sub = m.ops$('as').subscribe((op) => seen.push(op.type));
    expect(seen).toEqual(['begin', 'regionAdd', 'regionAdd', 'commit']);
    m.setEnabled('io', false);
    expect(seen.slice(4)).toEqual(['begin', 'regionDel', 'regionNop', 'commit']);
    sub.unsubscribe();
    m.setEnabled('io', true);
    expect(seen.length).toBe(8);
    expect(m.listeners()).toEqual([]);
  });

  it('an operator registered with a priority sees QEMU order, and its unregister sends the removal then completes', () => {
    const m = machine();
    const log: string[] = [];
    let completed = false;
    m.registerListener('as', recorder('plain', log), 1);
    const off = m.listen(
      'as',
      (ops$) =>
        ops$.pipe(
          map((op: ListenerOp) => ('section' in op ? `rx:${op.type} ${sec(op.section)}` : `rx:${op.type}`)),
          tap({ next: (s) => log.push(s), complete: () => (completed = true) }),
        ),
      0,
    );
    log.length = 0;
    m.setEnabled('io', false);
    expect(log).toEqual([
      'rx:begin',
      'plain:begin',
      'plain:del io@2000+100',
      'rx:regionDel io@2000+100',
      'rx:regionNop ram@0+1000',
      'plain:nop ram@0+1000',
      'rx:commit',
      'plain:commit',
    ]);
    log.length = 0;
    off();
    expect(log).toEqual(['rx:begin', 'rx:regionDel ram@0+1000', 'rx:commit']);
    expect(completed).toBe(true);
  });
});

describe('re-entrancy', () => {
  it('a listener that mutates the topology or the listener list during delivery gets ReentrantMutationError', () => {
    const m = machine();
    const errors: unknown[] = [];
    const tryIt = (f: () => void) => {
      try {
        f();
      } catch (e) {
        errors.push(e);
      }
    };
    m.registerListener('as', {
      regionAdd: () => tryIt(() => m.setEnabled('io', false)),
      commit: () => tryIt(() => m.registerListener('as', {})),
    });
    expect(errors.length).toBe(3);
    expect(errors.every((e) => e instanceof ReentrantMutationError)).toBe(true);
    expect(m.region('io').enabled).toBe(true);
    expect(m.listeners().length).toBe(1);
  });

  it('an events$ subscriber may register listeners and mutate', () => {
    const m = machine();
    const log: string[] = [];
    m.events$.subscribe((e) => {
      if (e.type === 'regionCreated' && e.id === 'late') m.registerListener('as', recorder('L', log));
    });
    m.createIo({ id: 'late', name: 'late', size: 1n });
    expect(log[0]).toBe('L:begin');
  });
});

describe('a throwing listener', () => {
  it('gets its error rethrown after the commit is finished: every view published, commit delivered, later commits correct', () => {
    const m = machine();
    m.createContainer({ name: 'r2', size: 0x100n });
    m.createIo({ name: 'd2', size: 0x10n });
    m.addSubregion('r2', 'd2', 0n);
    m.createAddressSpace('second', 'r2');
    const log: string[] = [];
    let explode = true;
    m.registerListener('as', {
      regionDel: () => {
        if (explode) throw new Error('listener bug');
      },
    });
    m.registerListener('second', recorder('S', log));
    log.length = 0;
    expect(() => m.transaction(() => {
      m.setEnabled('io', false);
      m.setEnabled('d2', false);
    })).toThrow('listener bug');
    expect(m.flatView('as').ranges.map((r) => r.region)).toEqual(['ram']);
    expect(m.flatView('second').ranges).toEqual([]);
    expect(log).toEqual(['S:begin', 'S:del d2@0+10', 'S:commit']);
    explode = false;
    m.setEnabled('io', true);
    expect(m.flatView('as').ranges.map((r) => r.region)).toEqual(['ram', 'io']);
  });
});
