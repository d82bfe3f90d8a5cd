/**
 * @packageDocumentation
 * The memvisor command line.
 */
export { main } from './cli.js';
export { errorReply, UnknownCommandError } from './errorReply.js';
export type { QmpErrorClass, QmpErrorReply } from './errorReply.js';
