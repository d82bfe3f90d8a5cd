/**
 * Test support: a listener that writes every call it gets as one line of
 * text (address space, region, addresses, flags, masks), so two runs can be
 * compared call for call.
 */
import type { MemoryListener, MemoryRegionSection } from '../../listener/MemoryListener.js';

function sectionText(x: MemoryRegionSection): string {
  return `${x.addressSpace}:${x.region}@${x.offsetWithinAddressSpace}+${x.size}/${x.offsetWithinRegion}${x.readonly ? 'r' : ''}${x.nonvolatile ? 'n' : ''}`;
}

/** A listener appending `"<prefix> <call> <section> <masks>"` to `log` for every callback. */
export function callLog(prefix: string, log: string[]): MemoryListener {
  return {
    begin: () => log.push(`${prefix} begin`),
    commit: () => log.push(`${prefix} commit`),
    regionAdd: (x) => log.push(`${prefix} add ${sectionText(x)}`),
    regionDel: (x) => log.push(`${prefix} del ${sectionText(x)}`),
    regionNop: (x) => log.push(`${prefix} nop ${sectionText(x)}`),
    logStart: (x, o, n) => log.push(`${prefix} logStart ${sectionText(x)} ${o} ${n}`),
    logStop: (x, o, n) => log.push(`${prefix} logStop ${sectionText(x)} ${o} ${n}`),
    logGlobalStart: () => log.push(`${prefix} logGlobalStart`),
    logGlobalStop: () => log.push(`${prefix} logGlobalStop`),
  };
}
