/**
 * Typed errors of the memory-region topology. One class per kind of failure;
 * each carries the facts (region ids and names, ranges) and a message meant for
 * a person. Every mutation of a {@link MemorySystem} validates first and throws
 * one of these with the state and the event log left exactly as they were.
 */
import { MemvisorError } from './memvisorError.js';

/** A region as named in an error: its id and its QEMU name. */
export interface RegionRef {
  readonly id: string;
  readonly name: string;
}

function hex(n: bigint): string {
  return `0x${n.toString(16)}`;
}

function ref(r: RegionRef): string {
  return r.id === r.name ? `"${r.name}"` : `"${r.name}" (id ${r.id})`;
}

/** Base class of every topology error; `instanceof` it to catch them all. */
export abstract class MemoryTopologyError extends MemvisorError {}

/** An event or call named a region id that does not exist (never created, or destroyed). */
export class UnknownRegionError extends MemoryTopologyError {
  readonly kind = 'unknown-region';
  constructor(
    readonly regionId: string,
    readonly role: string,
  ) {
    super(`no memory region with id "${regionId}" (${role}); create it first or check the id`);
  }
}

/** A region was created with an id that is already taken. */
export class DuplicateRegionError extends MemoryTopologyError {
  readonly kind = 'duplicate-region';
  constructor(
    readonly regionId: string,
    readonly existingName: string,
  ) {
    super(`a memory region with id "${regionId}" already exists (named "${existingName}"); ids must be unique`);
  }
}

/** A size is out of range: negative, above 2^64, or zero for a region that needs RAM. */
export class InvalidSizeError extends MemoryTopologyError {
  readonly kind = 'invalid-size';
  constructor(
    readonly region: RegionRef,
    readonly size: bigint,
    readonly reason: string,
  ) {
    super(`invalid size ${size < 0n ? size.toString() : hex(size)} for memory region ${ref(region)}: ${reason}`);
  }
}

/** An address or offset is out of the 64-bit range (negative, or 2^64 and above). */
export class InvalidAddressError extends MemoryTopologyError {
  readonly kind = 'invalid-address';
  constructor(
    readonly region: RegionRef,
    readonly field: 'addr' | 'aliasOffset',
    readonly value: bigint,
  ) {
    super(
      `invalid ${field === 'addr' ? 'address' : 'alias offset'} ${value < 0n ? value.toString() : hex(value)} ` +
        `for memory region ${ref(region)}: it must be an integer in [0, 2^64)`,
    );
  }
}

/** A priority is not a signed 32-bit integer (QEMU's `int priority`). */
export class InvalidPriorityError extends MemoryTopologyError {
  readonly kind = 'invalid-priority';
  constructor(
    readonly region: RegionRef,
    readonly priority: number,
  ) {
    super(`invalid priority ${priority} for memory region ${ref(region)}: it must be a 32-bit signed integer`);
  }
}

/**
 * Adding a subregion would make an alias point back to itself, directly or
 * through containers (memory.rst: "an alias may not point back to itself").
 * `cycle` lists the regions on the loop, starting and ending at the same one.
 */
export class AliasCycleError extends MemoryTopologyError {
  readonly kind = 'alias-cycle';
  constructor(
    readonly container: RegionRef,
    readonly subregion: RegionRef,
    readonly cycle: readonly RegionRef[],
  ) {
    super(
      `adding ${ref(subregion)} to ${ref(container)} would create an alias cycle: ` +
        `${cycle.map((r) => `"${r.name}"`).join(' -> ')}; an alias may not point back to itself`,
    );
  }
}

/** Adding a subregion would make a region contain itself (no alias on the loop). */
export class SubregionCycleError extends MemoryTopologyError {
  readonly kind = 'subregion-cycle';
  constructor(
    readonly container: RegionRef,
    readonly subregion: RegionRef,
    readonly cycle: readonly RegionRef[],
  ) {
    super(
      `adding ${ref(subregion)} to ${ref(container)} would make a region contain itself: ` +
        `${cycle.map((r) => `"${r.name}"`).join(' -> ')}`,
    );
  }
}

/**
 * A region that is already mapped in a container was added again, to the same
 * container (added twice) or to another one (two parents). QEMU asserts
 * `!subregion->container`; use an alias to show a region in two places.
 */
export class SubregionAlreadyMappedError extends MemoryTopologyError {
  readonly kind = 'subregion-already-mapped';
  constructor(
    readonly subregion: RegionRef,
    readonly existingContainer: RegionRef,
    readonly requestedContainer: RegionRef,
  ) {
    super(
      existingContainer.id === requestedContainer.id
        ? `memory region ${ref(subregion)} is already a subregion of ${ref(existingContainer)}; it cannot be added twice`
        : `memory region ${ref(subregion)} is already a subregion of ${ref(existingContainer)} and cannot also be added to ` +
          `${ref(requestedContainer)}; delete it first, or map it in two places with an alias`,
    );
  }
}

/** A subregion was added to an alias region; memory.rst: "Subregions cannot be added to an alias region". */
export class SubregionOfAliasError extends MemoryTopologyError {
  readonly kind = 'subregion-of-alias';
  constructor(
    readonly alias: RegionRef,
    readonly subregion: RegionRef,
  ) {
    super(
      `cannot add ${ref(subregion)} to ${ref(alias)}: it is an alias, and subregions cannot be added to an alias; ` +
        `add it to the alias target instead`,
    );
  }
}

/** A subregion was deleted from a container it is not mapped in. */
export class NotASubregionError extends MemoryTopologyError {
  readonly kind = 'not-a-subregion';
  constructor(
    readonly container: RegionRef,
    readonly subregion: RegionRef,
    readonly actualContainer: RegionRef | null,
  ) {
    super(
      `memory region ${ref(subregion)} is not a subregion of ${ref(container)}` +
        (actualContainer ? ` (it is mapped in ${ref(actualContainer)})` : ' (it is not mapped anywhere)'),
    );
  }
}

/** An alias-only operation (set alias offset) was applied to a region that is not an alias. */
export class NotAnAliasError extends MemoryTopologyError {
  readonly kind = 'not-an-alias';
  constructor(readonly region: RegionRef) {
    super(`memory region ${ref(region)} is not an alias; only aliases have an alias offset`);
  }
}

/** A dirty-log client other than VGA was passed to set log (QEMU asserts `client == DIRTY_MEMORY_VGA`). */
export class InvalidDirtyLogClientError extends MemoryTopologyError {
  readonly kind = 'invalid-dirty-log-client';
  constructor(
    readonly region: RegionRef,
    readonly client: number,
  ) {
    super(
      `memory region ${ref(region)}: set log accepts only the VGA client (0), got ${client}; ` +
        `CODE follows the accelerator and MIGRATION follows global dirty logging`,
    );
  }
}

/** VGA logging was turned off more times than it was turned on. */
export class VgaLogUnderflowError extends MemoryTopologyError {
  readonly kind = 'vga-log-underflow';
  constructor(readonly region: RegionRef) {
    super(`memory region ${ref(region)}: VGA dirty logging turned off but it is not on (use count is 0)`);
  }
}

/** Global dirty logging was stopped while it is not running. */
export class DirtyLogNotStartedError extends MemoryTopologyError {
  readonly kind = 'dirty-log-not-started';
  constructor() {
    super('global dirty logging stopped but it was not started');
  }
}

/** A commit with no open transaction. */
export class TransactionNotOpenError extends MemoryTopologyError {
  readonly kind = 'transaction-not-open';
  constructor() {
    super('memory region transaction commit without a matching begin');
  }
}

/** A region was destroyed while still mapped, used as an alias target, or the root of an address space. */
export class RegionInUseError extends MemoryTopologyError {
  readonly kind = 'region-in-use';
  constructor(
    readonly region: RegionRef,
    readonly usedBy: string,
  ) {
    super(`memory region ${ref(region)} cannot be destroyed: ${usedBy}`);
  }
}

/** An event or call named an address space that does not exist. */
export class UnknownAddressSpaceError extends MemoryTopologyError {
  readonly kind = 'unknown-address-space';
  constructor(readonly addressSpace: string) {
    super(`no address space named "${addressSpace}"`);
  }
}

/** An address space was created with a name that is already taken. */
export class DuplicateAddressSpaceError extends MemoryTopologyError {
  readonly kind = 'duplicate-address-space';
  constructor(readonly addressSpace: string) {
    super(`an address space named "${addressSpace}" already exists; address space names must be unique here`);
  }
}

/**
 * A listener callback tried to change the topology (or register or
 * unregister a listener) while the memory system was delivering to
 * listeners. Record what to do and apply it after the call that caused the
 * delivery returns.
 */
export class ReentrantMutationError extends MemoryTopologyError {
  readonly kind = 'reentrant-mutation';
  constructor(readonly attempted: string) {
    super(
      `${attempted} from inside a memory listener callback; listeners are called synchronously during a commit ` +
        `and must not change the topology or the listener list — defer the change until the call returns`,
    );
  }
}

/** A JSON-lines event log could not be parsed; `line` is 1-based. */
export class EventLogFormatError extends MemoryTopologyError {
  readonly kind = 'event-log-format';
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`event log line ${line}: ${reason}`);
  }
}
