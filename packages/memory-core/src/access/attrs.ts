/**
 * Memory transaction attributes and results (QEMU's include/exec/memattrs.h).
 */

/**
 * Attributes of one memory transaction (QEMU's MemTxAttrs). They travel with
 * every access down to device callbacks, which may decode differently for
 * secure or user accesses.
 *
 * Objects of this shape are created once and reused; the data path never
 * allocates them per access.
 */
export interface MemTxAttrs {
  /** The access comes from the secure world (Arm TrustZone and the like). */
  readonly secure: boolean;
  /** The access is made at user (unprivileged) level. */
  readonly user: boolean;
  /** Bus-specific requester id (PCI requester id), 0 when unknown. */
  readonly requesterId: number;
  /**
   * True for MEMTXATTRS_UNSPECIFIED: the caller had no attributes to give.
   * Devices treat it like a plain non-secure privileged access.
   */
  readonly unspecified: boolean;
}

/** QEMU's MEMTXATTRS_UNSPECIFIED: the attributes of an access that has none. */
export const MEMTXATTRS_UNSPECIFIED: MemTxAttrs = Object.freeze({
  secure: false,
  user: false,
  requesterId: 0,
  unspecified: true,
});

/**
 * Builds a specified attribute set (unspecified = false). Create these once
 * (per CPU mode, per device) and pass them to every access.
 */
export function memTxAttrs(init: { secure?: boolean; user?: boolean; requesterId?: number } = {}): MemTxAttrs {
  return Object.freeze({
    secure: init.secure ?? false,
    user: init.user ?? false,
    requesterId: init.requesterId ?? 0,
    unspecified: false,
  });
}

/**
 * The result of a memory transaction: a bit set, so the results of the pieces
 * of a split access combine with `|` as in QEMU.
 */
export type MemTxResult = number;

/** The transaction succeeded. */
export const MEMTX_OK = 0;
/** The device returned an error (QEMU's MEMTX_ERROR). */
export const MEMTX_ERROR = 1 << 0;
/** Nothing at that address, or the device refused the access (QEMU's MEMTX_DECODE_ERROR). */
export const MEMTX_DECODE_ERROR = 1 << 1;
