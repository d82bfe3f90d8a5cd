/**
 * The machine-description format: a JSON document that describes a machine's
 * memory-region tree and its address spaces, the way a board's init code
 * would build them with QEMU's memory API. `loadSpec` replays it as events.
 * The full description is in `docs/spec-format.md`; the JSON Schema is
 * `machine.schema.json` beside this file.
 */

/** The `format` tag every machine description carries. */
export const MACHINE_SPEC_FORMAT = 'memvisor-machine/1';

/** Region kinds of the format; the same names as {@link RegionKind}. */
export type RegionSpecKind = 'container' | 'ram' | 'rom' | 'romDevice' | 'io' | 'alias' | 'reservation';

/**
 * One memory region and, nested, the regions mapped into it. Numbers that may
 * exceed 2^53 (size, addr, aliasOffset) are hex strings such as `"0x8000000"`.
 */
export interface RegionSpec {
  /** Unique key; defaults to `name`. Alias targets and address-space roots refer to it. */
  id?: string;
  /** QEMU's region name (what `info mtree` prints); need not be unique. */
  name: string;
  kind: RegionSpecKind;
  /** Size in bytes, hex; `"0x10000000000000000"` (2^64) is the largest. */
  size: string;
  /** Offset within the containing region, hex; default `"0x0"`. Ignored on top-level regions. */
  addr?: string;
  /**
   * Overlap priority. Present: the region is added with
   * `memory_region_add_subregion_overlap`; absent: with `memory_region_add_subregion` (priority 0).
   */
  priority?: number;
  /** Default true; false is `memory_region_set_enabled(mr, false)`. */
  enabled?: boolean;
  /** `memory_region_set_readonly`; default false, except `rom` (always read-only). */
  readonly?: boolean;
  /** ROM device only: romd mode (reads come from RAM); default true, as QEMU initialises it. */
  romd?: boolean;
  /** `memory_region_set_nonvolatile`; default false. */
  nonvolatile?: boolean;
  /** RAM only: a RAM device region (`memory_region_init_ram_device_ptr`, `ramd` in mtree). */
  ramDevice?: boolean;
  /** Alias only: id of the target region. */
  alias?: string;
  /** Alias only: offset into the target, hex; default `"0x0"`. */
  aliasOffset?: string;
  /** QOM owner path, used for RAM block ids; optional. */
  owner?: string;
  /**
   * Subregions in the order they are added. Among equal priorities the region
   * added later wins (and `info mtree` lists it first).
   */
  subregions?: RegionSpec[];
}

/** An address space over a root region (`address_space_init`). */
export interface AddressSpaceSpec {
  name: string;
  /** Id of the root region; it must be a top-level region of the spec. */
  root: string;
}

/** A whole machine description. */
export interface MachineSpec {
  /** Optional pointer to the JSON Schema, for editors. */
  $schema?: string;
  format: typeof MACHINE_SPEC_FORMAT;
  /** Free text: which machine this is. */
  name?: string;
  /** Free text: where the description came from (e.g. the QEMU version it was captured from). */
  source?: string;
  /** Top-level regions: address-space roots and regions that are only reached through aliases. */
  regions: RegionSpec[];
  /** Address spaces in creation order (QEMU's `address_spaces` list order). */
  addressSpaces: AddressSpaceSpec[];
}
