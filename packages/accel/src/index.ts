/**
 * @packageDocumentation
 * Accelerator memory listeners for memvisor (reference models). So far: the
 * VFIO container's DMA dirty tracker.
 */

export { AccelError, DmaFaultError, TrackerRegistrationError } from './errors.js';
export {
  DmaDirtyTracker,
  DmaDevice,
  VFIO_DEVICE_STATE_RUNNING,
  VFIO_DEVICE_STATE_SAVING,
  VFIO_DEVICE_STATE_RESUMING,
} from './vfio/DmaDirtyTracker.js';
export type { DmaDirtyTrackerOptions } from './vfio/DmaDirtyTracker.js';
