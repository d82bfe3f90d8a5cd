/**
 * Building a machine from its description: the description's regions and
 * address spaces are replayed as topology events into a {@link MemorySystem}.
 */
import { MemoryTopologyError } from '../errors.js';
import { MemorySystem } from '../topology/MemorySystem.js';
import { parseHex } from './hex.js';
import { SpecValidationError } from './SpecValidationError.js';
import type { MachineSpec, RegionSpec } from './types.js';
import { regionSpecId, validateSpec } from './validateSpec.js';

/** Options of {@link loadSpec}. */
export interface LoadSpecOptions {
  /** The system to load into; a new one when absent. Its existing regions and address spaces stay. */
  system?: MemorySystem;
  /** File name for error messages. */
  file?: string | null;
}

interface Placed {
  spec: RegionSpec;
  id: string;
  path: string;
}

/**
 * Validates `spec` (any JSON value) and replays it into a MemorySystem, in one
 * transaction: create every region (depth first, in document order), set the
 * flags that differ from the defaults, add subregions in array order (with the
 * overlap variant where a priority is given), disable what is disabled, then
 * create the address spaces in order. Returns the system. The second argument
 * may also be the target system itself (`loadSpec(spec, system)`).
 *
 * All-or-nothing: the description is validated first, then replayed into a
 * scratch system; only when that succeeds is it replayed into `options.system`.
 * On failure it throws {@link SpecValidationError} (naming the region and JSON
 * pointer) and the target system's state and event log are exactly as before.
 */
export function loadSpec(spec: unknown, options: LoadSpecOptions | MemorySystem = {}): MemorySystem {
  if (options instanceof MemorySystem) options = { system: options };
  const file = options.file ?? null;
  const machine = validateSpec(spec, file);
  const target = options.system;
  if (target) {
    const state = target.state;
    const placed = flatten(machine);
    for (const p of placed) {
      if (Object.prototype.hasOwnProperty.call(state.regions, p.id)) {
        throw new SpecValidationError(file, p.path, { id: p.id, name: p.spec.name }, `region id "${p.id}" is already used in the target system`);
      }
    }
    machine.addressSpaces.forEach((as, i) => {
      if (Object.prototype.hasOwnProperty.call(state.addressSpaces, as.name)) {
        throw new SpecValidationError(file, `/addressSpaces/${i}/name`, null, `address space "${as.name}" already exists in the target system`);
      }
    });
  }
  const scratch = new MemorySystem();
  replay(machine, scratch, file);
  if (!target) return scratch;
  replay(machine, target, file);
  return target;
}

function flatten(machine: MachineSpec): Placed[] {
  const out: Placed[] = [];
  const walk = (list: RegionSpec[], base: string): void => {
    list.forEach((r, i) => {
      const path = `${base}/${i}`;
      out.push({ spec: r, id: regionSpecId(r), path });
      if (r.subregions) walk(r.subregions, `${path}/subregions`);
    });
  };
  walk(machine.regions, '/regions');
  return out;
}

function replay(machine: MachineSpec, sys: MemorySystem, file: string | null): void {
  const placed = flatten(machine);
  let current: Placed | null = null;
  try {
    sys.transaction(() => {
      for (const p of creationOrder(placed)) {
        current = p;
        create(sys, p);
      }
      const add = (parent: Placed | null, list: RegionSpec[] | undefined, base: string): void => {
        (list ?? []).forEach((r, i) => {
          const p: Placed = { spec: r, id: regionSpecId(r), path: `${base}/${i}` };
          current = p;
          const addr = r.addr !== undefined ? parseHex(r.addr) : 0n;
          if (parent) sys.addSubregion(parent.id, p.id, addr, r.priority);
          else if (addr !== 0n) sys.setAddress(p.id, addr);
          add(p, r.subregions, `${p.path}/subregions`);
        });
      };
      add(null, machine.regions, '/regions');
      for (const p of placed) {
        current = p;
        if (p.spec.enabled === false) sys.setEnabled(p.id, false);
      }
      current = null;
      for (const as of machine.addressSpaces) sys.createAddressSpace(as.name, as.root);
    });
  } catch (e) {
    if (e instanceof MemoryTopologyError) {
      const at = current as Placed | null;
      throw new SpecValidationError(file, at?.path ?? '/addressSpaces', at ? { id: at.id, name: at.spec.name } : null, e.message);
    }
    throw e;
  }
}

/** Non-aliases first, then aliases after their targets (the validator has ruled out cycles). */
function creationOrder(placed: Placed[]): Placed[] {
  const byId = new Map(placed.map((p) => [p.id, p]));
  const done = new Set<string>();
  const out: Placed[] = [];
  const visit = (p: Placed): void => {
    if (done.has(p.id)) return;
    done.add(p.id);
    if (p.spec.kind === 'alias') visit(byId.get(p.spec.alias!)!);
    out.push(p);
  };
  for (const p of placed) if (p.spec.kind !== 'alias') visit(p);
  for (const p of placed) visit(p);
  return out;
}

function create(sys: MemorySystem, p: Placed): void {
  const r = p.spec;
  const base = { id: p.id, name: r.name, size: parseHex(r.size), owner: r.owner ?? null, nonvolatile: r.nonvolatile ?? false };
  switch (r.kind) {
    case 'container':
      sys.createContainer(base);
      break;
    case 'ram':
      sys.createRam({ ...base, readonly: r.readonly ?? false, ramDevice: r.ramDevice ?? false });
      break;
    case 'rom':
      sys.createRom(base);
      if (r.readonly === false) sys.setReadonly(p.id, false);
      break;
    case 'romDevice':
      sys.createRomDevice(base);
      if (r.romd === false) sys.setRomdMode(p.id, false);
      break;
    case 'io':
      sys.createIo(base);
      break;
    case 'reservation':
      sys.createReservation(base);
      break;
    case 'alias':
      sys.createAlias({ ...base, target: r.alias!, offset: r.aliasOffset !== undefined ? parseHex(r.aliasOffset) : 0n });
      break;
  }
  if (r.readonly === true && r.kind !== 'ram' && r.kind !== 'rom') sys.setReadonly(p.id, true);
}
