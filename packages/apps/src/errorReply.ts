/**
 * Failures as machine-readable replies, in the shape QMP answers a failed
 * command with: `{"error": {"class": ..., "desc": ...}}`.
 *
 * As in QEMU since upstream c6bd8c706a and 75158ebbe2, the class is not part
 * of the message: it is chosen from the kind of failure, and it is
 * `GenericError` for everything but the few classes QMP keeps for
 * compatibility — here only `CommandNotFound`, for a command memvisor does
 * not have. Callers that need to tell failures apart in TypeScript use the
 * error classes themselves; the reply stays generic.
 */
import { UsageError } from './io.js';

/** The QMP error classes of QEMU 7.2 (qapi/error.json). */
export type QmpErrorClass = 'GenericError' | 'CommandNotFound' | 'DeviceNotActive' | 'DeviceNotFound' | 'KVMMissingCap';

/** A failed command's reply. */
export interface QmpErrorReply {
  readonly error: { readonly class: QmpErrorClass; readonly desc: string };
}

/** A command memvisor does not have: exit status 2, like any usage mistake, and QMP's `CommandNotFound`. */
export class UnknownCommandError extends UsageError {
  override readonly kind = 'unknown-command';
  constructor(readonly command: string) {
    super(`unknown command ${command}`);
  }
}

/** The reply for `e`: its message as `desc`, its class from its kind. */
export function errorReply(e: Error): QmpErrorReply {
  return { error: { class: e instanceof UnknownCommandError ? 'CommandNotFound' : 'GenericError', desc: e.message } };
}
