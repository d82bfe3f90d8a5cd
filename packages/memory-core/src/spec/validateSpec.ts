/**
 * Validation of a machine description: the JSON Schema first (shape), then the
 * rules a schema cannot express (unique ids, references, cycles, sizes).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import schema from './machine.schema.json' with { type: 'json' };
import { parseHex } from './hex.js';
import { SpecValidationError } from './SpecValidationError.js';
import type { MachineSpec, RegionSpec } from './types.js';

const SIZE_2_64 = 1n << 64n;

let compiled: ValidateFunction<MachineSpec> | undefined;

/**
 * The compiled schema, made on first use: compiling costs tens of
 * milliseconds, which every program importing memory-core (a `memvisor run`
 * that never reads a machine description) would otherwise pay at start-up.
 */
function schemaValidator(): ValidateFunction<MachineSpec> {
  // strictRequired is off: the if/then rules name properties declared one level up.
  compiled ??= new Ajv({ allErrors: false, strict: true, strictRequired: false }).compile<MachineSpec>(schema);
  return compiled;
}

/** The JSON Schema of the machine description, as an object (for editors and other validators). */
export const machineSchema: object = schema;

/** The id a region spec gets: its `id`, or its name. */
export function regionSpecId(r: RegionSpec): string {
  return r.id ?? r.name;
}

/** Messages for the schema's if/then rules, by the rule's schema path. */
const RULE_MESSAGES: ReadonlyArray<readonly [RegExp, string]> = [
  [/\/allOf\/0\/then\/required$/, 'an alias needs "alias" (the id of its target)'],
  [/\/allOf\/0\/then\/properties\/subregions\//, 'an alias cannot have subregions (add them to its target)'],
  [/\/allOf\/0\/else\//, 'only an alias has "alias" and "aliasOffset"'],
  [/\/allOf\/1\/then\//, '"romd" applies only to kind "romDevice"'],
  [/\/allOf\/2\/then\//, '"ramDevice" applies only to kind "ram"'],
];

/** The innermost region object on a JSON pointer, for error messages. */
function regionAt(root: unknown, pointer: string): { id: string; name: string } | null {
  let cur: unknown = root;
  let found: { id: string; name: string } | null = null;
  let parentKey = '';
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') break;
    cur = (cur as Record<string, unknown>)[key];
    if ((parentKey === 'regions' || parentKey === 'subregions') && cur !== null && typeof cur === 'object') {
      const o = cur as Record<string, unknown>;
      const name = typeof o.name === 'string' ? o.name : '?';
      found = { id: typeof o.id === 'string' ? o.id : name, name };
    }
    parentKey = key;
  }
  return found;
}

function schemaReason(e: ErrorObject): string {
  const rule = RULE_MESSAGES.find(([re]) => re.test(e.schemaPath));
  if (rule) return rule[1];
  switch (e.keyword) {
    case 'required':
      return `missing property "${(e.params as { missingProperty: string }).missingProperty}"`;
    case 'additionalProperties':
      return `unknown property "${(e.params as { additionalProperty: string }).additionalProperty}"`;
    case 'pattern':
      return 'must be a hex string like "0x1000" (at most 2^64)';
    case 'enum':
      return `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    default:
      return e.message ?? 'is invalid';
  }
}

interface Visit {
  spec: RegionSpec;
  path: string;
  parent: string | null;
}

/**
 * Checks that `value` is a valid machine description and returns it typed.
 * Throws {@link SpecValidationError} for the first problem found, naming the
 * JSON pointer and the region; nothing is modified.
 */
export function validateSpec(value: unknown, file: string | null = null): MachineSpec {
  const checkSchema = schemaValidator();
  if (!checkSchema(value)) {
    const e = checkSchema.errors?.[0];
    const path = e?.instancePath ?? '';
    throw new SpecValidationError(file, path, regionAt(value, path), e ? schemaReason(e) : 'is invalid');
  }
  const spec = value;
  const fail = (v: Visit | null, path: string, reason: string): never => {
    throw new SpecValidationError(file, path, v ? { id: regionSpecId(v.spec), name: v.spec.name } : null, reason);
  };

  const byId = new Map<string, Visit>();
  const walk = (list: RegionSpec[], base: string, parent: string | null): void => {
    list.forEach((r, i) => {
      const path = `${base}/${i}`;
      const v: Visit = { spec: r, path, parent };
      const id = regionSpecId(r);
      const prev = byId.get(id);
      if (prev) {
        fail(v, path, `duplicate region id "${id}" (also used at ${prev.path}); give one of them an explicit "id"`);
      }
      byId.set(id, v);
      const size = parseHex(r.size);
      if (size > SIZE_2_64) fail(v, `${path}/size`, 'size is larger than 2^64');
      if (size === 0n && (r.kind === 'ram' || r.kind === 'rom' || r.kind === 'romDevice')) {
        fail(v, `${path}/size`, `a ${r.kind} region needs a nonzero size (QEMU cannot allocate an empty RAM block)`);
      }
      if (r.addr !== undefined && parseHex(r.addr) >= SIZE_2_64) fail(v, `${path}/addr`, 'address must be below 2^64');
      if (r.aliasOffset !== undefined && parseHex(r.aliasOffset) >= SIZE_2_64) {
        fail(v, `${path}/aliasOffset`, 'alias offset must be below 2^64');
      }
      if (r.subregions) walk(r.subregions, `${path}/subregions`, id);
    });
  };
  walk(spec.regions, '/regions', null);

  for (const v of byId.values()) {
    if (v.spec.kind === 'alias' && !byId.has(v.spec.alias!)) {
      fail(v, `${v.path}/alias`, `alias target "${v.spec.alias}" is not a region id of this description`);
    }
  }
  findCycle(byId, fail);

  const asNames = new Map<string, number>();
  spec.addressSpaces.forEach((as, i) => {
    const path = `/addressSpaces/${i}`;
    const prev = asNames.get(as.name);
    if (prev !== undefined) fail(null, `${path}/name`, `duplicate address space "${as.name}" (also /addressSpaces/${prev})`);
    asNames.set(as.name, i);
    if (!byId.has(as.root)) fail(null, `${path}/root`, `root "${as.root}" of address space "${as.name}" is not a region id`);
  });
  return spec;
}

/**
 * Rejects a loop through subregion and alias edges: rendering it would never end
 * (memory.rst: "an alias may not point back to itself").
 */
function findCycle(byId: Map<string, Visit>, fail: (v: Visit, path: string, reason: string) => never): void {
  const edges = new Map<string, string[]>();
  for (const [id, v] of byId) {
    const out = (v.spec.subregions ?? []).map(regionSpecId);
    if (v.spec.kind === 'alias') out.push(v.spec.alias!);
    edges.set(id, out);
  }
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const dfs = (id: string): void => {
    state.set(id, 1);
    stack.push(id);
    for (const next of edges.get(id) ?? []) {
      const s = state.get(next);
      if (s === 1) {
        const ring = stack.slice(stack.indexOf(next));
        const a = Math.max(0, ring.findIndex((x) => byId.get(x)!.spec.kind === 'alias'));
        // Start the loop at an alias on it: that is the edge to remove.
        const loop = [...ring.slice(a), ...ring.slice(0, a), ring[a]!];
        const v = byId.get(ring[a]!)!;
        fail(v, v.path, `alias cycle: ${loop.map((x) => `"${byId.get(x)!.spec.name}"`).join(' -> ')}; an alias may not point back to itself`);
      }
      if (s === undefined) dfs(next);
    }
    stack.pop();
    state.set(id, 2);
  };
  for (const id of byId.keys()) if (!state.has(id)) dfs(id);
}
