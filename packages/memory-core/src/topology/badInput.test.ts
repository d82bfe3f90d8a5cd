/**
 * Bad input: every invalid mutation throws its typed error, naming the
 * region, and leaves the state, the event log and the listeners untouched.
 */
import { describe, expect, it } from 'vitest';
import {
  AliasCycleError,
  DirtyLogNotStartedError,
  DuplicateAddressSpaceError,
  DuplicateRegionError,
  InvalidAddressError,
  InvalidDirtyLogClientError,
  InvalidPriorityError,
  InvalidSizeError,
  MemoryTopologyError,
  NotASubregionError,
  NotAnAliasError,
  RegionInUseError,
  SubregionAlreadyMappedError,
  SubregionCycleError,
  SubregionOfAliasError,
  TransactionNotOpenError,
  UnknownAddressSpaceError,
  UnknownRegionError,
  VgaLogUnderflowError,
} from '../errors.js';
import { eventsToJsonLines } from './events.js';
import { MemorySystem } from './MemorySystem.js';
import { DIRTY_MEMORY_CODE } from './types.js';

function machine(): MemorySystem {
  const m = new MemorySystem();
  m.createContainer({ name: 'sys', size: 0x10000n });
  m.createContainer({ name: 'other', size: 0x10000n });
  m.createRam({ name: 'ram', size: 0x1000n });
  m.createIo({ name: 'io', size: 0x100n });
  m.createAlias({ name: 'ram-alias', target: 'ram', offset: 0n, size: 0x1000n });
  m.addSubregion('sys', 'ram', 0n);
  m.createAddressSpace('as', 'sys');
  return m;
}

/** Runs `bad` on a fresh machine and checks the error type and that nothing changed. */
function expectRejected<E extends MemoryTopologyError>(
  bad: (m: MemorySystem) => void,
  errorClass: abstract new (...args: never[]) => E,
  check?: (e: E) => void,
  setup?: (m: MemorySystem) => void,
): void {
  const m = machine();
  setup?.(m);
  const calls: string[] = [];
  m.registerListener('as', {
    begin: () => calls.push('begin'),
    regionAdd: () => calls.push('add'),
    regionDel: () => calls.push('del'),
    commit: () => calls.push('commit'),
  });
  calls.length = 0;
  const state = m.state;
  const logLength = m.eventLog.length;
  const logText = eventsToJsonLines(m.eventLog);
  const view = m.flatView('as');
  let caught: unknown;
  try {
    bad(m);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(errorClass);
  expect(caught).toBeInstanceOf(MemoryTopologyError);
  expect((caught as Error).message.length).toBeGreaterThan(10);
  check?.(caught as E);
  expect(m.state).toBe(state);
  expect(m.eventLog.length).toBe(logLength);
  expect(eventsToJsonLines(m.eventLog)).toBe(logText);
  expect(m.flatView('as')).toBe(view);
  expect(calls).toEqual([]);
}

describe('bad input gives a typed error and changes nothing', () => {
  it('alias cycle: an alias added inside the container it points to', () => {
    expectRejected(
      (m) => m.addSubregion('other', 'loop', 0n),
      AliasCycleError,
      (e) => {
        expect(e.subregion.name).toBe('loop');
        expect(e.container.name).toBe('other');
        expect(e.cycle.map((r) => r.name)).toEqual(['other', 'loop', 'other']);
        expect(e.message).toContain('"loop"');
      },
      (m) => m.createAlias({ id: 'loop', name: 'loop', target: 'other', offset: 0n, size: 0x100n }),
    );
  });

  it('alias cycle through a nested container', () => {
    expectRejected(
      (m) => m.addSubregion('inner', 'back', 0n),
      AliasCycleError,
      (e) => expect(e.cycle.map((r) => r.name)).toEqual(['inner', 'back', 'other', 'inner']),
      (m) => {
        m.createContainer({ name: 'inner', size: 0x100n });
        m.addSubregion('other', 'inner', 0n);
        m.createAlias({ name: 'back', target: 'other', offset: 0n, size: 0x100n });
      },
    );
  });

  it('a region containing itself', () => {
    expectRejected(
      (m) => m.addSubregion('other', 'other', 0n),
      SubregionCycleError,
      (e) => expect(e.container.name).toBe('other'),
    );
  });

  it('a subregion added twice to the same container', () => {
    expectRejected(
      (m) => m.addSubregion('sys', 'ram', 0x2000n),
      SubregionAlreadyMappedError,
      (e) => {
        expect(e.subregion.name).toBe('ram');
        expect(e.existingContainer.name).toBe('sys');
        expect(e.message).toContain('twice');
      },
    );
  });

  it('a subregion added to two parents', () => {
    expectRejected(
      (m) => m.addSubregion('other', 'ram', 0n),
      SubregionAlreadyMappedError,
      (e) => {
        expect(e.existingContainer.name).toBe('sys');
        expect(e.requestedContainer.name).toBe('other');
      },
    );
  });

  it('a subregion added to an alias', () => {
    expectRejected(
      (m) => m.addSubregion('ram-alias', 'io', 0n),
      SubregionOfAliasError,
      (e) => {
        expect(e.alias.name).toBe('ram-alias');
        expect(e.subregion.name).toBe('io');
      },
    );
  });

  it('a RAM region of size zero', () => {
    expectRejected(
      (m) => m.createRam({ name: 'empty', size: 0n }),
      InvalidSizeError,
      (e) => {
        expect(e.region.name).toBe('empty');
        expect(e.size).toBe(0n);
      },
    );
  });

  it('resizing RAM to zero', () => {
    expectRejected((m) => m.setSize('ram', 0n), InvalidSizeError);
  });

  it('a size above 2^64', () => {
    expectRejected((m) => m.createContainer({ name: 'huge', size: (1n << 64n) + 1n }), InvalidSizeError);
  });

  it('a negative size', () => {
    expectRejected((m) => m.createIo({ name: 'neg', size: -1n }), InvalidSizeError);
  });

  it('a negative address', () => {
    expectRejected(
      (m) => m.addSubregion('other', 'io', -0x10n),
      InvalidAddressError,
      (e) => {
        expect(e.region.name).toBe('io');
        expect(e.value).toBe(-0x10n);
      },
    );
  });

  it('an address of 2^64', () => {
    expectRejected((m) => m.setAddress('ram', 1n << 64n), InvalidAddressError);
  });

  it('a negative alias offset', () => {
    expectRejected((m) => m.setAliasOffset('ram-alias', -1n), InvalidAddressError);
  });

  it('a priority that is not a 32-bit integer', () => {
    expectRejected((m) => m.addSubregion('other', 'io', 0n, 1.5), InvalidPriorityError);
    expectRejected((m) => m.addSubregion('other', 'io', 0n, 2 ** 31), InvalidPriorityError);
  });

  it('an unknown region', () => {
    expectRejected(
      (m) => m.addSubregion('sys', 'nope', 0n),
      UnknownRegionError,
      (e) => expect(e.regionId).toBe('nope'),
    );
    expectRejected((m) => m.setEnabled('nope', false), UnknownRegionError);
    expectRejected((m) => m.createAlias({ name: 'a', target: 'nope', offset: 0n, size: 1n }), UnknownRegionError);
  });

  it('a duplicate region id', () => {
    expectRejected((m) => m.createIo({ id: 'ram', name: 'x', size: 1n }), DuplicateRegionError);
  });

  it('deleting a subregion from a container it is not in', () => {
    expectRejected(
      (m) => m.delSubregion('other', 'ram'),
      NotASubregionError,
      (e) => expect(e.actualContainer?.name).toBe('sys'),
    );
  });

  it('setting the alias offset of a region that is not an alias', () => {
    expectRejected((m) => m.setAliasOffset('ram', 0x10n), NotAnAliasError);
  });

  it('set log with a client other than VGA', () => {
    expectRejected((m) => m.setLog('ram', true, DIRTY_MEMORY_CODE), InvalidDirtyLogClientError);
  });

  it('turning VGA logging off more often than on', () => {
    expectRejected((m) => m.setLog('ram', false), VgaLogUnderflowError);
  });

  it('stopping global dirty logging that is not running', () => {
    expectRejected((m) => m.globalDirtyLogStop(), DirtyLogNotStartedError);
  });

  it('a commit without begin', () => {
    expectRejected((m) => m.commit(), TransactionNotOpenError);
  });

  it('destroying a region that is mapped, a root or an alias target', () => {
    expectRejected((m) => m.destroyRegion('io'), RegionInUseError, undefined, (m) => m.addSubregion('other', 'io', 0n));
    expectRejected((m) => m.destroyRegion('sys'), RegionInUseError, (e) => expect(e.message).toContain('"as"'));
    expectRejected((m) => m.destroyRegion('ram'), RegionInUseError, undefined, (m) => m.delSubregion('sys', 'ram'));
  });

  it('a duplicate or unknown address space', () => {
    expectRejected((m) => m.createAddressSpace('as', 'other'), DuplicateAddressSpaceError);
    expectRejected((m) => m.destroyAddressSpace('nope'), UnknownAddressSpaceError);
    expectRejected((m) => m.createAddressSpace('x', 'nope'), UnknownRegionError);
  });

  it('an error inside a transaction leaves the open transaction as it was', () => {
    const m = machine();
    m.begin();
    m.setEnabled('ram', false);
    const log = m.eventLog.length;
    expect(() => m.addSubregion('other', 'ram', 0n)).toThrow(SubregionAlreadyMappedError);
    expect(m.eventLog.length).toBe(log);
    expect(m.state.regions['ram']?.enabled).toBe(false);
    m.commit();
    expect(m.flatView('as').ranges).toEqual([]);
  });
});
