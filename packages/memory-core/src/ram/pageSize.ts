import { PageSizeError } from './errors.js';

/** Options for {@link PageSizes}. */
export interface PageSizeOptions {
  /** log2 of the guest (target) page size; TARGET_PAGE_BITS. Default 12. */
  readonly targetPageBits?: number;
  /** The page size of the host's memory (qemu_real_host_page_size). Default 4096. */
  readonly realHostPageSize?: number;
  /**
   * qemu_host_page_size before it is raised to at least the target page size;
   * 0 or absent means "the real host page size", as in QEMU's page_size_init.
   */
  readonly hostPageSize?: number;
}

function checkPow2(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 1024 || v > 2 ** 30 || (v & (v - 1)) !== 0) throw new PageSizeError(what, v);
}

function alignUp(x: number, size: number): number {
  return Math.ceil(x / size) * size;
}

/** ~(size - 1) over 64 bits, as QEMU's *_PAGE_MASK values. */
function mask64(size: number): bigint {
  return ~BigInt(size - 1) & 0xffff_ffff_ffff_ffffn;
}

/**
 * The three page sizes QEMU distinguishes (upstream 4e51361d79): the target
 * page size (dirty-bitmap granularity), the real host page size (what the
 * host maps; KVM's dirty log granularity) and qemu_host_page_size, which is
 * the larger of the configured host page size and the target page size and is
 * what RAM block sizes are rounded to.
 *
 * Alignment helpers take and return safe-integer byte counts; the masks are
 * 64-bit `bigint`s for control-plane code that wants QEMU's mask form.
 */
export class PageSizes {
  /** TARGET_PAGE_BITS. */
  readonly targetPageBits: number;
  /** TARGET_PAGE_SIZE. */
  readonly targetPageSize: number;
  /** qemu_real_host_page_size. */
  readonly realHostPageSize: number;
  /** qemu_host_page_size: max(configured host page size, target page size). */
  readonly hostPageSize: number;

  /** @throws PageSizeError when a size is not a power of two in [1 KiB, 1 GiB]. */
  constructor(opts: PageSizeOptions = {}) {
    this.targetPageBits = opts.targetPageBits ?? 12;
    this.targetPageSize = 2 ** this.targetPageBits;
    checkPow2('targetPageSize', this.targetPageSize);
    this.realHostPageSize = opts.realHostPageSize ?? 4096;
    checkPow2('realHostPageSize', this.realHostPageSize);
    const host = opts.hostPageSize ? opts.hostPageSize : this.realHostPageSize;
    checkPow2('hostPageSize', host);
    this.hostPageSize = Math.max(host, this.targetPageSize);
  }

  /** TARGET_PAGE_MASK as 64 bits. */
  get targetPageMask(): bigint {
    return mask64(this.targetPageSize);
  }

  /** qemu_host_page_mask as 64 bits. */
  get hostPageMask(): bigint {
    return mask64(this.hostPageSize);
  }

  /** qemu_real_host_page_mask as 64 bits. */
  get realHostPageMask(): bigint {
    return mask64(this.realHostPageSize);
  }

  /** TARGET_PAGE_ALIGN: `x` rounded up to a target page. */
  targetPageAlign(x: number): number {
    return alignUp(x, this.targetPageSize);
  }

  /** HOST_PAGE_ALIGN: `x` rounded up to qemu_host_page_size. */
  hostPageAlign(x: number): number {
    return alignUp(x, this.hostPageSize);
  }

  /** REAL_HOST_PAGE_ALIGN: `x` rounded up to the real host page size only. */
  realHostPageAlign(x: number): number {
    return alignUp(x, this.realHostPageSize);
  }

  /** Number of target pages in one real host page (QEMU's hpratio in set_dirty_lebitmap). */
  get hostToTargetRatio(): number {
    return Math.max(1, this.realHostPageSize / this.targetPageSize);
  }
}
