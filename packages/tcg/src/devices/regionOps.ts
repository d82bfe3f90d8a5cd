import type { MemoryRegionOps } from '@memvisor/memory-core';
import type { MmioDevice } from '../bus.js';

/**
 * A device that brings QEMU's MemoryRegionOps for its register regions: access
 * sizes the guest may use (`valid`), sizes the callbacks implement (`impl`,
 * with memory-core splitting or widening the rest) and byte order, as the
 * QEMU device declares them. A board maps such a device with these ops; a
 * refused access is a decode error, which the hart takes as an access fault.
 */
export interface RegionOpsDevice extends MmioDevice {
  /**
   * The ops of the region whose first byte is at `base` in the device's
   * register file (0 for single-region devices; the CLINT has two regions).
   * @throws RangeError when the device has no region at `base`
   */
  regionOps(base: number): MemoryRegionOps;
}

/** True when `device` declares its QEMU ops (see {@link RegionOpsDevice}). */
export function hasRegionOps(device: MmioDevice): device is RegionOpsDevice {
  return typeof (device as Partial<RegionOpsDevice>).regionOps === 'function';
}
