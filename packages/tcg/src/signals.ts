/**
 * Control-flow signals thrown out of guest execution, like QEMU's `cpu_loop_exit` longjmp.
 * They are singletons created once: throwing them allocates nothing.
 */

/** Thrown when a guest exception must be taken; the cause and tval sit in the CPU. */
export class GuestTrapSignal {
  readonly kind = 'trap';
}

/** Thrown to leave the current translation block with no exception (cpu_loop_exit_noexc). */
export class ExitTbSignal {
  readonly kind = 'exit';
}

/** The one guest-trap signal instance. */
export const GUEST_TRAP = new GuestTrapSignal();
/** The one exit-TB signal instance. */
export const EXIT_TB = new ExitTbSignal();
