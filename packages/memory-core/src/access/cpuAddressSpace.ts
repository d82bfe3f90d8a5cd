/**
 * A CPU's address spaces (QEMU's cpu->cpu_ases, cpu->as, cpu_address_space_init,
 * cpu_get_address_space, and the debug lookups that pick one by attributes).
 */
import type { MemTxAttrs } from './attrs.js';
import { MEMTX_OK, MEMTXATTRS_UNSPECIFIED } from './attrs.js';
import type { AddressSpaceAccess } from './AddressSpaceAccess.js';
import { CpuAddressSpaceError } from './errors.js';

/** Creates (or finds) the address space `name` over root region `root`; typically backed by the MemorySystem. */
export type AddressSpaceFactory = (name: string, root: string) => AddressSpaceAccess;

/** What a physical-page debug lookup returns: the physical address (-1 if unmapped) and the attributes to use. */
export interface PhysPageAttrs {
  readonly phys: number;
  readonly attrs: MemTxAttrs;
}

/** The target CPU's hooks (QEMU's CPUClass methods the memory code calls). */
export interface CpuMemoryHooks {
  /** Virtual page → physical address, -1 when unmapped (get_phys_page_debug). */
  readonly getPhysPageDebug?: (vaddr: number) => number;
  /** Same, with the attributes of the access (get_phys_page_attrs_debug, upstream 1dc6fb1f5c). */
  readonly getPhysPageAttrsDebug?: (vaddr: number) => PhysPageAttrs;
  /** Which address space attributes select (asidx_from_attrs); default 0. */
  readonly asidxFromAttrs?: (attrs: MemTxAttrs) => number;
}

/** Options of {@link CpuMemory}. */
export interface CpuMemoryOptions {
  /** How many address spaces the target uses (QEMU's num_ases, set before any init). Default 1. */
  readonly numAses?: number;
  /** The accelerator is KVM, which supports one address space only. */
  readonly kvm?: boolean;
  /** Target hooks. */
  readonly hooks?: CpuMemoryHooks;
  /** Target page size for the debug accessors (default 4096). */
  readonly pageSize?: number;
}

/** The memory side of one CPU (the CPUState fields QEMU's memory code uses). */
export class CpuMemory {
  /** Number of address-space slots. */
  readonly numAses: number;
  /** The default address space (QEMU's cpu->as): null until one is initialised. */
  as: AddressSpaceAccess | null = null;
  /** Address spaces by index (QEMU's cpu->cpu_ases[i].as). */
  readonly ases: (AddressSpaceAccess | null)[];
  /** KVM accelerator. */
  readonly kvm: boolean;
  /** Target hooks. */
  readonly hooks: CpuMemoryHooks;
  /** Target page size. */
  readonly pageSize: number;

  /** Creates the memory state of CPU `cpuIndex`. */
  constructor(
    readonly cpuIndex: number,
    options: CpuMemoryOptions = {},
  ) {
    this.numAses = options.numAses ?? 1;
    this.ases = new Array<AddressSpaceAccess | null>(this.numAses).fill(null);
    this.kvm = options.kvm ?? false;
    this.hooks = options.hooks ?? {};
    this.pageSize = options.pageSize ?? 4096;
  }
}

/**
 * QEMU's cpu_address_space_init: creates address space `${prefix}-${cpuIndex}`
 * over `root` and puts it at index `asidx`. May be called once per index
 * (upstream 12ebc9a76d). The first address space initialised becomes the
 * CPU's default (`cpu.as`, upstream 56943e8cc1: nothing is set before the
 * first call). KVM supports only index 0. Throws CpuAddressSpaceError for an
 * index outside 0..numAses-1 or a second space under KVM.
 */
export function cpuAddressSpaceInit(
  cpu: CpuMemory,
  asidx: number,
  prefix: string,
  root: string,
  factory: AddressSpaceFactory,
): AddressSpaceAccess {
  if (!Number.isInteger(asidx) || asidx < 0 || asidx >= cpu.numAses) {
    throw new CpuAddressSpaceError(cpu.cpuIndex, asidx, `index outside 0..${cpu.numAses - 1} (set numAses first)`);
  }
  if (asidx !== 0 && cpu.kvm) {
    throw new CpuAddressSpaceError(cpu.cpuIndex, asidx, 'KVM supports a single address space per CPU');
  }
  const as = factory(`${prefix}-${cpu.cpuIndex}`, root);
  cpu.ases[asidx] = as;
  if (cpu.as === null) cpu.as = as;
  return as;
}

/**
 * QEMU's qemu_init_vcpu fallback (upstream 56943e8cc1): a CPU whose target
 * set up no address space gets the system address space at index 0.
 */
export function cpuInitDefaultAddressSpace(cpu: CpuMemory, system: AddressSpaceAccess): void {
  if (cpu.as !== null) return;
  cpu.ases[0] = system;
  cpu.as = system;
}

/** QEMU's cpu_get_address_space: the address space at `asidx`, or null if not initialised. */
export function cpuGetAddressSpace(cpu: CpuMemory, asidx: number): AddressSpaceAccess | null {
  return cpu.ases[asidx] ?? null;
}

/** QEMU's cpu_asidx_from_attrs: the index the attributes select (0 without a hook). */
export function cpuAsidxFromAttrs(cpu: CpuMemory, attrs: MemTxAttrs): number {
  const f = cpu.hooks.asidxFromAttrs;
  return f === undefined ? 0 : f(attrs);
}

/**
 * QEMU's cpu_get_phys_page_attrs_debug (upstream 1dc6fb1f5c): the target's
 * attribute-returning lookup if it has one, else get_phys_page_debug with
 * unspecified attributes. phys is -1 when the page is unmapped (or the
 * target has neither hook).
 */
export function cpuGetPhysPageAttrsDebug(cpu: CpuMemory, vaddr: number): PhysPageAttrs {
  const h = cpu.hooks;
  if (h.getPhysPageAttrsDebug !== undefined) return h.getPhysPageAttrsDebug(vaddr);
  const phys = h.getPhysPageDebug !== undefined ? h.getPhysPageDebug(vaddr) : -1;
  return { phys, attrs: MEMTXATTRS_UNSPECIFIED };
}

/**
 * QEMU's cpu_memory_rw_debug: reads or writes guest virtual memory page by
 * page, each page in the address space its attributes select; writes may
 * store into ROM (address_space_write_rom). Returns false if a page is
 * unmapped or an access fails.
 */
export function cpuMemoryRwDebug(cpu: CpuMemory, vaddr: number, buf: Uint8Array, isWrite: boolean): boolean {
  const page = cpu.pageSize;
  let pos = 0;
  while (pos < buf.length) {
    const addr = vaddr + pos;
    const base = addr - (addr % page);
    const { phys, attrs } = cpuGetPhysPageAttrsDebug(cpu, base);
    if (phys === -1) return false;
    const as = cpuGetAddressSpace(cpu, cpuAsidxFromAttrs(cpu, attrs));
    if (as === null) return false;
    const l = Math.min(base + page - addr, buf.length - pos);
    const chunk = buf.subarray(pos, pos + l);
    const p = phys + (addr - base);
    const r = isWrite ? as.writeRom(p, chunk, attrs) : as.read(p, chunk, attrs);
    if (r !== MEMTX_OK) return false;
    pos += l;
  }
  return true;
}
