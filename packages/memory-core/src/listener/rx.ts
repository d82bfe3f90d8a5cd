/**
 * Memory listeners as RxJS: an address space's listener operations as an
 * Observable, and RxJS operators registered as listeners. Delivery stays
 * synchronous and ordered: each callback is one `next` on a plain Subject.
 */
import { Observable, Subject, type OperatorFunction } from 'rxjs';
import { listenerFromSink, type ListenerOp } from './MemoryListener.js';
import type { MemoryListener } from './MemoryListener.js';

/** What the RxJS helpers need from a memory system: `MemorySystem` satisfies it. */
export interface ListenerHost {
  registerListener(addressSpace: string, listener: MemoryListener, priority?: number): () => void;
}

/**
 * The listener operations of one address space as a cold Observable: each
 * subscription registers a listener with `priority`, so it first receives the
 * replay of the current view (begin, log_global_start if on, region_add and
 * log_start per range, commit), then every later operation, synchronously.
 * Unsubscribing unregisters; the removal replay is not emitted (the
 * subscriber is already closed) — use {@link listenOperator} to see it.
 */
export function memoryOps$(host: ListenerHost, addressSpace: string, priority = 0): Observable<ListenerOp> {
  return new Observable<ListenerOp>((subscriber) => {
    const unregister = host.registerListener(
      addressSpace,
      listenerFromSink((op) => subscriber.next(op), `memoryOps$(${addressSpace})`),
      priority,
    );
    return () => unregister();
  });
}

/**
 * Registers an RxJS operator as a memory listener on an address space with a
 * priority: every listener callback becomes a {@link ListenerOp} pushed
 * through `operator` (and the result subscribed to), in QEMU's order,
 * synchronously. Returns the unregister function: it replays the removal
 * (begin, log_stop and region_del per range, commit) through the operator,
 * then completes the stream. Errors thrown inside the operator chain are
 * reported by RxJS and stop that stream, not the memory system.
 */
export function listenOperator(
  host: ListenerHost,
  addressSpace: string,
  operator: OperatorFunction<ListenerOp, unknown>,
  priority = 0,
): () => void {
  const subject = new Subject<ListenerOp>();
  const subscription = subject.pipe(operator).subscribe();
  let unregister: (() => void) | null = null;
  try {
    unregister = host.registerListener(
      addressSpace,
      listenerFromSink((op) => subject.next(op), `listenOperator(${addressSpace})`),
      priority,
    );
  } catch (e) {
    subscription.unsubscribe();
    throw e;
  }
  return () => {
    if (unregister === null) return;
    unregister();
    unregister = null;
    subject.complete();
    subscription.unsubscribe();
  };
}
