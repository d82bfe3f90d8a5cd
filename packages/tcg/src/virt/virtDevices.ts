/**
 * How the virt board's devices reach the data path: one place for the board
 * the main thread owns (VirtBoard) and the view a vCPU worker attaches
 * (AttachedVirtBoard), so both map a device with the same access rules.
 */
import type { DataPlane, DeviceEndianness, MemoryRegionOps } from '@memvisor/memory-core';
import type { MmioDevice } from '../bus.js';
import { hasRegionOps } from '../devices/regionOps.js';
import type { VirtBoardDevices } from './virtBoard.js';
import { ACLINT_MTIMER_CLINT_OFFSET } from './virtMemmap.js';

/** Region ids of the device regions, as VirtBoardRegions names them. */
export interface VirtDeviceRegionIds {
  readonly serial: string;
  readonly test: string;
  readonly aclintSwi: string;
  readonly aclintMtimer: string;
}

/**
 * The ops of `device` for a region whose offsets start at `base` in its
 * register file. A device with QEMU ops (`RegionOpsDevice`) gets them; any
 * other takes accesses of 1, 2 and 4 bytes, aligned or not, as they are (as
 * SimpleBus did). The closures are made once here, not per access.
 */
export function deviceRegionOps(device: MmioDevice, base: number, endianness: DeviceEndianness): MemoryRegionOps {
  if (hasRegionOps(device)) return device.regionOps(base);
  const sizes = { minAccessSize: 1, maxAccessSize: 4, unaligned: true };
  return {
    endianness,
    valid: sizes,
    impl: sizes,
    read: (offset, size) => device.read(base + offset, size) >>> 0,
    write: (offset, value, size) => {
      device.write(base + offset, size, value);
    },
  };
}

/**
 * Registers the board's devices on `plane`: the UART and the finisher in
 * native byte order, the CLINT as QEMU's two ACLINT regions. Device regions
 * run without the big lock (QEMU's global_locking=false): they live beside
 * the vCPU that accesses them.
 */
export function mapVirtDevices(plane: DataPlane, ids: VirtDeviceRegionIds, devices: VirtBoardDevices): void {
  const map = (id: string, device: MmioDevice, base: number, endianness: DeviceEndianness): void =>
    plane.registerOps(id, deviceRegionOps(device, base, endianness), { globalLocking: false });
  if (devices.serial) map(ids.serial, devices.serial, 0, 'native');
  if (devices.test) map(ids.test, devices.test, 0, 'native');
  if (devices.clint) {
    map(ids.aclintSwi, devices.clint, 0, 'little');
    map(ids.aclintMtimer, devices.clint, ACLINT_MTIMER_CLINT_OFFSET, 'little');
  }
}
