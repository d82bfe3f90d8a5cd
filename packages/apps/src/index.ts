/**
 * @packageDocumentation
 * The memvisor command line.
 */
export { main } from './cli.js';
