/**
 * The machine-description format: validation errors name the region and the
 * JSON pointer, malformed JSON names the line and column, and a failed load
 * leaves the target system (state and event log) exactly as it was.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../src/spec/loadSpec.js';
import { parseSpecJson } from '../src/spec/parseSpecJson.js';
import { SpecSyntaxError } from '../src/spec/SpecSyntaxError.js';
import { SpecValidationError } from '../src/spec/SpecValidationError.js';
import { validateSpec } from '../src/spec/validateSpec.js';
import type { MachineSpec, RegionSpec } from '../src/spec/types.js';
import { MemorySystem } from '../src/topology/MemorySystem.js';
import { printFlat } from '../src/mtree/printFlat.js';
import { printTree } from '../src/mtree/printTree.js';

const here = dirname(fileURLToPath(import.meta.url));

function machine(...subregions: RegionSpec[]): MachineSpec {
  return {
    format: 'memvisor-machine/1',
    regions: [{ name: 'system', kind: 'container', size: '0x10000000000000000', subregions }],
    addressSpaces: [{ name: 'memory', root: 'system' }],
  };
}

function validationError(value: unknown): SpecValidationError {
  try {
    validateSpec(value);
  } catch (e) {
    if (e instanceof SpecValidationError) return e;
    throw e;
  }
  throw new Error('expected a SpecValidationError');
}

describe('machine description: loading', () => {
  it('a small machine renders as QEMU would render it', () => {
    const sys = loadSpec(
      machine(
        { name: 'ram', kind: 'ram', size: '0x8000000' },
        { name: 'rom', kind: 'rom', size: '0x10000', addr: '0xfff0000' },
        { name: 'low', kind: 'alias', size: '0x1000', addr: '0x10000000', alias: 'ram', aliasOffset: '0x2000', readonly: true },
        { name: 'flash', kind: 'romDevice', size: '0x1000', addr: '0x20000000', romd: false },
        { name: 'mmio', kind: 'io', size: '0x100', addr: '0x30000000', priority: 2, nonvolatile: true },
        { name: 'off', kind: 'io', size: '0x100', addr: '0x30000000', enabled: false },
      ),
    );
    expect(printFlat(sys.state, (as) => sys.flatView(as))).toBe(
      [
        'FlatView #0',
        ' AS "memory", root: system',
        ' Root memory region: system',
        '  0000000000000000-0000000007ffffff (prio 0, ram): ram',
        '  000000000fff0000-000000000fffffff (prio 0, rom): rom',
        '  0000000010000000-0000000010000fff (prio 0, rom): ram @0000000000002000',
        '  0000000020000000-0000000020000fff (prio 0, i/o): flash',
        '  0000000030000000-00000000300000ff (prio 2, nv-i/o): mmio',
        '',
        '',
      ].join('\n'),
    );
    expect(printTree(sys.state, { disabled: true })).toContain(
      '    0000000010000000-0000000010000fff (prio 0, ram): alias low @ram 0000000000002000-0000000000002fff\n',
    );
  });

  it('subregions are added in array order: among equal priorities the later entry wins', () => {
    const sys = loadSpec(
      machine({ name: 'first', kind: 'io', size: '0x1000' }, { name: 'second', kind: 'io', size: '0x1000' }),
    );
    expect(sys.flatView('memory').ranges.map((r) => r.region)).toEqual(['second']);
    expect(printTree(sys.state)).toContain('): second\n    0000000000000000-0000000000000fff (prio 0, i/o): first\n');
  });

  it('loads into an existing system without touching what is there', () => {
    const sys = new MemorySystem();
    sys.createContainer({ name: 'mine', size: 0x1000n });
    expect(loadSpec(machine({ name: 'ram', kind: 'ram', size: '0x1000', ramDevice: true, nonvolatile: true }), sys)).toBe(sys);
    expect(Object.keys(sys.state.regions).sort()).toEqual(['mine', 'ram', 'system']);
    expect(printFlat(sys.state, (as) => sys.flatView(as))).toContain('(prio 0, nv-ramd): ram\n');
    expect(sys.flatView('memory').ranges).toHaveLength(1);
  });

  it('a failed load leaves the target state and event log exactly as before', () => {
    const sys = new MemorySystem();
    sys.createContainer({ name: 'ram', size: 0x1000n });
    const state = sys.state;
    const log = [...sys.eventLog];
    // Valid on its own, but "ram" is already an id of the target system.
    expect(() => loadSpec(machine({ name: 'ram', kind: 'ram', size: '0x1000' }), { system: sys })).toThrow(
      /region id "ram" is already used in the target system/,
    );
    // Invalid: an alias to a region that does not exist.
    expect(() => loadSpec(machine({ name: 'a', kind: 'alias', size: '0x10', alias: 'nope' }), { system: sys })).toThrow(
      SpecValidationError,
    );
    expect(sys.state).toBe(state);
    expect(sys.eventLog).toEqual(log);
  });

  it('the bundled q35 description validates against the schema', () => {
    const text = readFileSync(join(here, '../../apps/machines/q35.json'), 'utf8');
    expect(parseSpecJson(text).addressSpaces.map((a) => a.name)).toContain('memory');
  });
});

describe('machine description: bad input', () => {
  it.each<[string, unknown, string, string | null, RegExp]>([
    ['not an object', 42, '', null, /must be object/],
    ['wrong format tag', { format: 'v0', regions: [], addressSpaces: [] }, '/format', null, /must be "memvisor-machine\/1"/],
    ['unknown kind', machine({ name: 'x', kind: 'flash' as never, size: '0x10' }), '/regions/0/subregions/0/kind', 'x', /must be one of/],
    ['size not hex', machine({ name: 'x', kind: 'ram', size: '4096' }), '/regions/0/subregions/0/size', 'x', /hex string/],
    ['missing size', machine({ name: 'x', kind: 'ram' } as RegionSpec), '/regions/0/subregions/0', 'x', /missing property "size"/],
    ['unknown property', machine({ name: 'x', kind: 'ram', size: '0x10', colour: 'red' } as RegionSpec), '/regions/0/subregions/0', 'x', /unknown property "colour"/],
    ['alias without target', machine({ name: 'x', kind: 'alias', size: '0x10' }), '/regions/0/subregions/0', 'x', /an alias needs "alias"/],
    ['subregions in an alias', machine({ name: 'ram', kind: 'ram', size: '0x10' }, { name: 'x', kind: 'alias', size: '0x10', alias: 'ram', subregions: [] }), '/regions/0/subregions/1/subregions', 'x', /cannot have subregions/],
    ['alias target on a container', machine({ name: 'x', kind: 'container', size: '0x10', alias: 'system' }), '/regions/0/subregions/0/alias', 'x', /only an alias has/],
    ['romd on RAM', machine({ name: 'x', kind: 'ram', size: '0x10', romd: true }), '/regions/0/subregions/0/romd', 'x', /"romd" applies only/],
    ['priority not 32-bit', machine({ name: 'x', kind: 'io', size: '0x10', priority: 2 ** 31 }), '/regions/0/subregions/0/priority', 'x', /must be <= 2147483647/],
    ['size above 2^64', machine({ name: 'x', kind: 'io', size: '0x10000000000000001' }), '/regions/0/subregions/0/size', 'x', /larger than 2\^64/],
    ['RAM of size zero', machine({ name: 'x', kind: 'ram', size: '0x0' }), '/regions/0/subregions/0/size', 'x', /nonzero size/],
    ['duplicate id', machine({ name: 'x', kind: 'io', size: '0x10' }, { name: 'x', kind: 'io', size: '0x10' }), '/regions/0/subregions/1', 'x', /duplicate region id "x"/],
    ['unknown alias target', machine({ name: 'x', kind: 'alias', size: '0x10', alias: 'ghost' }), '/regions/0/subregions/0/alias', 'x', /alias target "ghost"/],
    ['alias pointing at its own container', machine({ name: 'x', kind: 'alias', size: '0x10', alias: 'system' }), '/regions/0/subregions/0', 'x', /alias cycle: "x" -> "system" -> "x"/],
    ['unknown address-space root', { ...machine(), addressSpaces: [{ name: 'io', root: 'nope' }] }, '/addressSpaces/0/root', null, /root "nope"/],
    ['duplicate address space', { ...machine(), addressSpaces: [{ name: 'm', root: 'system' }, { name: 'm', root: 'system' }] }, '/addressSpaces/1/name', null, /duplicate address space "m"/],
  ])('%s: a SpecValidationError naming the place', (_what, value, path, region, message) => {
    const e = validationError(value);
    expect(e.path).toBe(path);
    expect(e.region?.name ?? null).toBe(region);
    expect(e.reason).toMatch(message);
    if (region !== null) expect(e.message).toContain(`region "${region}"`);
  });

  it('an alias cycle through two aliases and a container is named', () => {
    const spec = machine(
      { name: 'box', kind: 'container', size: '0x100', subregions: [{ name: 'a', kind: 'alias', size: '0x10', alias: 'b' }] },
      { name: 'b', kind: 'alias', size: '0x10', alias: 'box' },
    );
    expect(validationError(spec).reason).toMatch(/alias cycle: .*"a".*"b".*"box"/);
  });

  it.each([
    ['{\n  "format": "memvisor-machine/1",\n  "regions": [,]\n}\n', 3, 15, /expected a value/],
    ['{"format": "memvisor-machine/1" "regions": []}', 1, 33, /expected ',' or '}'/],
    ['{"format": "memvisor-machine/1",', 1, 33, /expected a property name.*found the end of the text/],
    ['', 1, 1, /expected a value/],
  ])('malformed JSON %j: a SpecSyntaxError with line %i, column %i', (text, line, column, reason) => {
    try {
      parseSpecJson(text, 'm.json');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SpecSyntaxError);
      const err = e as SpecSyntaxError;
      expect([err.line, err.column]).toEqual([line, column]);
      expect(err.reason).toMatch(reason);
      expect(err.message).toMatch(new RegExp(`^m\\.json:${line}:${column}: malformed JSON`));
    }
  });
});
