/**
 * @packageDocumentation
 * Nothing is public yet: see the package README for what is planned.
 */
export {};
