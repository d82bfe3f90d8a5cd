/**
 * @packageDocumentation
 * QEMU's memory API in TypeScript.
 */
export {};
