#!/usr/bin/env node
// The CLI as one bundled module (scripts/bundle.ts): loading it takes about 30 ms
// where the separate modules of dist/ took 130-250 ms.
const bundle = new URL('../dist/bundle/memvisor.js', import.meta.url);
let cli;
try {
  cli = await import(bundle.href);
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes(bundle.pathname)) throw e;
  process.stderr.write(`memvisor: the CLI is not built (no ${bundle.pathname}); run npm run build\n`);
  process.exit(1);
}
process.exitCode = await cli.main(process.argv.slice(2));
