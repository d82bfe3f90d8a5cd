/**
 * Bundles the memvisor CLI: one ES module for the command line and one for the
 * vCPU worker thread, each with its dependencies inlined. `tsx scripts/bundle.ts`
 * writes them to dist/bundle/, which bin/memvisor.js loads.
 *
 * Why: loading the CLI as separate modules cost 130-250 ms before the guest ran
 * (resolving and compiling about 150 files, and rxjs's CommonJS build, which Node
 * picks over its ES build and which loads every operator). The bundle loads in
 * about 30 ms.
 *
 * The worker is its own bundle beside the CLI's, under the name VcpuWorker resolves
 * relative to its own module ('./vcpuThread.js'), so the bundled CLI finds it.
 */
import { build, type Metafile } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const app = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Writes memvisor.js and vcpuThread.js (with source maps) to `outdir`; returns esbuild's metafile. */
export async function bundleCli(outdir: string): Promise<Metafile> {
  const result = await build({
    entryPoints: {
      memvisor: join(app, 'src/cli.ts'),
      vcpuThread: join(app, '../tcg/src/worker/vcpuThread.ts'),
    },
    outdir,
    bundle: true,
    // 'neutral' rather than 'node': under 'node' the export condition "node" picks
    // rxjs's CommonJS build, which cannot be tree-shaken. Node's own modules stay
    // imports.
    platform: 'neutral',
    external: ['node:*'],
    format: 'esm',
    target: 'node20',
    // The workspace packages from their TypeScript sources, as tests and benchmarks
    // see them, so a bundle never inlines a stale dist/; ES builds of the others.
    conditions: ['@memvisor/source', 'import', 'module'],
    mainFields: ['module', 'main'],
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  return result.metafile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await bundleCli(join(app, 'dist/bundle'));
}
