/**
 * The topology events: every mutation of the memory-region tree as an
 * immutable, serialisable record. The state is the reduction of these events
 * (see `reduce.ts`); a log of them written as JSON lines replays to the same
 * FlatViews and the same listener operations.
 */
import { EventLogFormatError } from '../errors.js';
import type { RegionKind } from './types.js';

/** A region is created (QEMU's `memory_region_init*`). It is not visible until added to a container or made a root. */
export interface RegionCreatedEvent {
  readonly type: 'regionCreated';
  readonly id: string;
  readonly kind: RegionKind;
  readonly name: string;
  /** Exact size; already normalised (2^64-1 becomes 2^64, as `memory_region_init` does). */
  readonly size: bigint;
  readonly owner: string | null;
  /** Alias target id; null unless kind is 'alias'. */
  readonly alias: string | null;
  readonly aliasOffset: bigint;
  /** Initial mr->readonly (true for ROM). */
  readonly readonly: boolean;
  readonly nonvolatile: boolean;
  /** mr->ram_device (`memory_region_init_ram_device_ptr`). */
  readonly ramDevice: boolean;
}

/** `memory_region_add_subregion` (priority null: priority 0, no overlap) or `..._overlap` (priority given). */
export interface SubregionAddedEvent {
  readonly type: 'subregionAdded';
  readonly container: string;
  readonly subregion: string;
  readonly addr: bigint;
  readonly priority: number | null;
}

/** `memory_region_del_subregion`. */
export interface SubregionDeletedEvent {
  readonly type: 'subregionDeleted';
  readonly container: string;
  readonly subregion: string;
}

/** `memory_region_set_enabled`. */
export interface EnabledSetEvent {
  readonly type: 'enabledSet';
  readonly region: string;
  readonly enabled: boolean;
}

/** `memory_region_set_address` (re-adds the region to its container, so it moves first among equal priorities). */
export interface AddressSetEvent {
  readonly type: 'addressSet';
  readonly region: string;
  readonly addr: bigint;
}

/** `memory_region_set_alias_offset`. */
export interface AliasOffsetSetEvent {
  readonly type: 'aliasOffsetSet';
  readonly region: string;
  readonly aliasOffset: bigint;
}

/** `memory_region_set_size` (2^64-1 is normalised to 2^64). */
export interface SizeSetEvent {
  readonly type: 'sizeSet';
  readonly region: string;
  readonly size: bigint;
}

/** `memory_region_set_readonly`. */
export interface ReadonlySetEvent {
  readonly type: 'readonlySet';
  readonly region: string;
  readonly readonly: boolean;
}

/** `memory_region_rom_device_set_romd`. */
export interface RomdModeSetEvent {
  readonly type: 'romdModeSet';
  readonly region: string;
  readonly romdMode: boolean;
}

/** `memory_region_set_nonvolatile`. */
export interface NonvolatileSetEvent {
  readonly type: 'nonvolatileSet';
  readonly region: string;
  readonly nonvolatile: boolean;
}

/** `memory_region_set_log(mr, log, client)`; only the VGA client is accepted, with a use count. */
export interface LogSetEvent {
  readonly type: 'logSet';
  readonly region: string;
  readonly log: boolean;
  readonly client: number;
}

/** `memory_global_dirty_log_start` (migration). */
export interface GlobalDirtyLogStartedEvent {
  readonly type: 'globalDirtyLogStarted';
}

/** `memory_global_dirty_log_stop`. */
export interface GlobalDirtyLogStoppedEvent {
  readonly type: 'globalDirtyLogStopped';
}

/** `memory_region_transaction_begin`. */
export interface TransactionBegunEvent {
  readonly type: 'transactionBegun';
}

/** `memory_region_transaction_commit`; only the outermost one renders and notifies. */
export interface TransactionCommittedEvent {
  readonly type: 'transactionCommitted';
}

/** `address_space_init`. */
export interface AddressSpaceCreatedEvent {
  readonly type: 'addressSpaceCreated';
  readonly name: string;
  readonly root: string;
}

/** `address_space_destroy`. */
export interface AddressSpaceDestroyedEvent {
  readonly type: 'addressSpaceDestroyed';
  readonly name: string;
}

/** The region is finalized: its subregions are unmapped and its id is free again. */
export interface RegionDestroyedEvent {
  readonly type: 'regionDestroyed';
  readonly region: string;
}

/** Whether TCG is the accelerator (RAM then carries the CODE dirty bit). QEMU fixes it at start-up. */
export interface TcgSetEvent {
  readonly type: 'tcgSet';
  readonly enabled: boolean;
}

/** Every mutation of the topology. */
export type TopologyEvent =
  | RegionCreatedEvent
  | SubregionAddedEvent
  | SubregionDeletedEvent
  | EnabledSetEvent
  | AddressSetEvent
  | AliasOffsetSetEvent
  | SizeSetEvent
  | ReadonlySetEvent
  | RomdModeSetEvent
  | NonvolatileSetEvent
  | LogSetEvent
  | GlobalDirtyLogStartedEvent
  | GlobalDirtyLogStoppedEvent
  | TransactionBegunEvent
  | TransactionCommittedEvent
  | AddressSpaceCreatedEvent
  | AddressSpaceDestroyedEvent
  | RegionDestroyedEvent
  | TcgSetEvent;

/** The `type` tags of {@link TopologyEvent}. */
export type TopologyEventType = TopologyEvent['type'];

type FieldType = 'string' | 'nullableString' | 'bigint' | 'boolean' | 'int' | 'nullableInt' | 'kind';

const REGION_KINDS: readonly RegionKind[] = ['container', 'ram', 'rom', 'romDevice', 'io', 'alias', 'reservation'];

const SCHEMA: { readonly [T in TopologyEventType]: Readonly<Record<string, FieldType>> } = {
  regionCreated: {
    id: 'string',
    kind: 'kind',
    name: 'string',
    size: 'bigint',
    owner: 'nullableString',
    alias: 'nullableString',
    aliasOffset: 'bigint',
    readonly: 'boolean',
    nonvolatile: 'boolean',
    ramDevice: 'boolean',
  },
  subregionAdded: { container: 'string', subregion: 'string', addr: 'bigint', priority: 'nullableInt' },
  subregionDeleted: { container: 'string', subregion: 'string' },
  enabledSet: { region: 'string', enabled: 'boolean' },
  addressSet: { region: 'string', addr: 'bigint' },
  aliasOffsetSet: { region: 'string', aliasOffset: 'bigint' },
  sizeSet: { region: 'string', size: 'bigint' },
  readonlySet: { region: 'string', readonly: 'boolean' },
  romdModeSet: { region: 'string', romdMode: 'boolean' },
  nonvolatileSet: { region: 'string', nonvolatile: 'boolean' },
  logSet: { region: 'string', log: 'boolean', client: 'int' },
  globalDirtyLogStarted: {},
  globalDirtyLogStopped: {},
  transactionBegun: {},
  transactionCommitted: {},
  addressSpaceCreated: { name: 'string', root: 'string' },
  addressSpaceDestroyed: { name: 'string' },
  regionDestroyed: { region: 'string' },
  tcgSet: { enabled: 'boolean' },
};

function toJsonValue(v: unknown): unknown {
  return typeof v === 'bigint' ? (v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`) : v;
}

/**
 * Serialises one event as a single JSON line (no trailing newline). Bigints are
 * written as hex strings (`"0x10000"`), key order follows the event schema.
 */
export function eventToJson(event: TopologyEvent): string {
  const schema = SCHEMA[event.type];
  const out: Record<string, unknown> = { type: event.type };
  const rec = event as unknown as Record<string, unknown>;
  for (const key of Object.keys(schema)) out[key] = toJsonValue(rec[key]);
  return JSON.stringify(out);
}

/**
 * Writes an event log as JSON lines: one event per line, each line ending in
 * `\n`. An empty log gives the empty string.
 */
export function eventsToJsonLines(events: readonly TopologyEvent[]): string {
  let s = '';
  for (const e of events) s += eventToJson(e) + '\n';
  return s;
}

function parseBigint(v: unknown): bigint | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v !== 'string') return undefined;
  if (!/^-?(0x[0-9a-fA-F]+|[0-9]+)$/.test(v)) return undefined;
  const neg = v.startsWith('-');
  const n = BigInt(neg ? v.slice(1) : v);
  return neg ? -n : n;
}

/**
 * Parses one JSON object into an event, checking every field's type.
 * Bigint fields accept decimal or `0x` hex strings (and safe integers).
 * Throws {@link EventLogFormatError} naming `line` on any mismatch; unknown
 * extra fields are rejected too, so a typo does not silently drop data.
 */
export function eventFromJson(json: string, line = 1): TopologyEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new EventLogFormatError(line, `not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new EventLogFormatError(line, 'expected a JSON object');
  }
  const obj = raw as Record<string, unknown>;
  const type = obj['type'];
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(SCHEMA, type)) {
    throw new EventLogFormatError(line, `unknown event type ${JSON.stringify(type)}`);
  }
  const schema = SCHEMA[type as TopologyEventType];
  const out: Record<string, unknown> = { type };
  for (const key of Object.keys(obj)) {
    if (key !== 'type' && !(key in schema)) {
      throw new EventLogFormatError(line, `unexpected field "${key}" in ${type} event`);
    }
  }
  for (const [key, ft] of Object.entries(schema)) {
    const v = obj[key];
    const bad = (what: string): never => {
      throw new EventLogFormatError(line, `field "${key}" of ${type} event must be ${what}, got ${JSON.stringify(v)}`);
    };
    switch (ft) {
      case 'string':
        if (typeof v !== 'string') bad('a string');
        out[key] = v;
        break;
      case 'nullableString':
        if (v !== null && typeof v !== 'string') bad('a string or null');
        out[key] = v;
        break;
      case 'boolean':
        if (typeof v !== 'boolean') bad('a boolean');
        out[key] = v;
        break;
      case 'int':
        if (typeof v !== 'number' || !Number.isInteger(v)) bad('an integer');
        out[key] = v;
        break;
      case 'nullableInt':
        if (v !== null && (typeof v !== 'number' || !Number.isInteger(v))) bad('an integer or null');
        out[key] = v;
        break;
      case 'kind':
        if (typeof v !== 'string' || !(REGION_KINDS as readonly string[]).includes(v)) {
          bad(`one of ${REGION_KINDS.join(', ')}`);
        }
        out[key] = v;
        break;
      case 'bigint': {
        const b = parseBigint(v);
        if (b === undefined) bad('a decimal or 0x-hex integer string');
        out[key] = b;
        break;
      }
    }
  }
  return Object.freeze(out) as unknown as TopologyEvent;
}

/**
 * Reads an event log written by {@link eventsToJsonLines}. Blank lines are
 * skipped; a malformed line throws {@link EventLogFormatError} with its
 * 1-based line number. The events are only parsed, not validated against a
 * topology: replaying them does that.
 */
export function eventsFromJsonLines(text: string): TopologyEvent[] {
  const events: TopologyEvent[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = (lines[i] ?? '').trim();
    if (l === '') continue;
    events.push(eventFromJson(l, i + 1));
  }
  return events;
}
