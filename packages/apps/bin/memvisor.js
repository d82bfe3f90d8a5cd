#!/usr/bin/env node
// The CLI as one bundled module (scripts/bundle.ts): loading it takes about 30 ms
// where the separate modules of dist/ took 130-250 ms.
import { main } from '../dist/bundle/memvisor.js';

process.exitCode = await main(process.argv.slice(2));
