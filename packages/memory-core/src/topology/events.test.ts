import { describe, expect, it } from 'vitest';
import { EventLogFormatError } from '../errors.js';
import { eventFromJson, eventsFromJsonLines, eventsToJsonLines, type TopologyEvent } from './events.js';
import { MemorySystem } from './MemorySystem.js';
import { reduce, reduceAll } from './reduce.js';
import { initialTopologyState } from './state.js';

describe('event log as JSON lines', () => {
  it('round-trips every event type, bigints exact up to 2^64', () => {
    const m = new MemorySystem({ tcg: true });
    m.transaction(() => {
      m.createContainer({ name: 'sys', size: 1n << 64n, owner: '/machine' });
      m.createRam({ name: 'ram', size: 0xffff_ffff_f000n });
      m.createRomDevice({ name: 'flash', size: 0x1000n });
      m.createAlias({ name: 'al', target: 'ram', offset: 0xffff_ffff_ffff_f000n, size: 0x1000n });
      m.addSubregion('sys', 'ram', 0xffff_0000_0000_0000n);
      m.addSubregion('sys', 'al', 0n, -3);
      m.addSubregion('sys', 'flash', 0x1000_0000n);
    });
    m.createAddressSpace('memory', 'sys');
    m.setEnabled('al', false);
    m.setAddress('al', 0x10n);
    m.setAliasOffset('al', 0n);
    m.setSize('ram', 0x2000n);
    m.setReadonly('ram', true);
    m.setRomdMode('flash', false);
    m.setNonvolatile('ram', true);
    m.setLog('ram', true);
    m.globalDirtyLogStart();
    m.globalDirtyLogStop();
    m.delSubregion('sys', 'flash');
    m.destroyRegion('flash');
    m.destroyAddressSpace('memory');
    const text = eventsToJsonLines(m.eventLog);
    const types = new Set(m.eventLog.map((e) => e.type));
    expect(types.size).toBe(19);
    expect(text.split('\n').length).toBe(m.eventLog.length + 1);
    expect(text).toContain('"size":"0x10000000000000000"');
    const back = eventsFromJsonLines(text);
    expect(back).toEqual(m.eventLog);
    expect(eventsToJsonLines(back)).toBe(text);
    const replayed = MemorySystem.fromEvents(back);
    expect(replayed.state).toEqual(m.state);
    // the pure reducer folds the same log to the same state
    expect(reduceAll(initialTopologyState, back)).toEqual(m.state);
    expect(back.reduce(reduce, initialTopologyState)).toEqual(m.state);
  });

  it('accepts decimal strings for bigints and skips blank lines', () => {
    const events = eventsFromJsonLines(
      '\n{"type":"sizeSet","region":"r","size":"4096"}\n\n{"type":"addressSet","region":"r","addr":"0x10"}\n',
    );
    expect(events).toEqual<TopologyEvent[]>([
      { type: 'sizeSet', region: 'r', size: 4096n },
      { type: 'addressSet', region: 'r', addr: 0x10n },
    ]);
  });

  it.each([
    ['not json', 'not valid JSON'],
    ['[1]', 'expected a JSON object'],
    ['{"type":"nope"}', 'unknown event type'],
    ['{"type":"sizeSet","region":"r","size":12.5}', 'field "size"'],
    ['{"type":"sizeSet","region":"r","size":"0xzz"}', 'field "size"'],
    ['{"type":"enabledSet","region":"r","enabled":"yes"}', 'field "enabled"'],
    ['{"type":"enabledSet","region":"r","enabled":true,"extra":1}', 'unexpected field "extra"'],
    ['{"type":"subregionAdded","container":"a","subregion":"b","addr":"0x0","priority":0.5}', 'field "priority"'],
  ])('rejects %s with a typed error naming the line', (line, reason) => {
    let err: unknown;
    try {
      eventsFromJsonLines(`{"type":"transactionBegun"}\n${line}\n`);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EventLogFormatError);
    expect((err as EventLogFormatError).line).toBe(2);
    expect((err as Error).message).toContain(reason);
  });

  it('parsed events are frozen', () => {
    expect(Object.isFrozen(eventFromJson('{"type":"transactionBegun"}'))).toBe(true);
  });
});
