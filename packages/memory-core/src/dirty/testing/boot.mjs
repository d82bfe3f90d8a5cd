// Worker entry for tests: registers tsx so the worker can run TypeScript
// sources (the real data-path code), then loads the module named in
// workerData.entry.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
