import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metafile } from 'esbuild';
import { bundleCli } from '../scripts/bundle.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const guests = join(repo, 'tools/guests');

describe('the bundled CLI (scripts/bundle.ts, what bin/memvisor.js loads)', () => {
  let dir = '';
  let meta: Metafile;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'memvisor-bundle-'));
    meta = await bundleCli(dir);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the bundle as the bin does, in a fresh Node process. */
  function memvisor(...argv: string[]): { status: number | null; out: string; err: string } {
    const entry = pathToFileURL(join(dir, 'memvisor.js')).href;
    const script = `import { main } from ${JSON.stringify(entry)}; process.exitCode = await main(${JSON.stringify(argv)});`;
    const p = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    return { status: p.status, out: p.stdout, err: p.stderr };
  }

  it('runs a guest: the same UART output and exit status as the QEMU fixture', () => {
    const r = memvisor('run', join(guests, 'elf/hello.elf'));
    expect(r.err).toBe('');
    expect(r.out).toBe(readFileSync(join(guests, 'fixtures/hello.out'), 'utf8'));
    expect(r.status).toBe(Number(readFileSync(join(guests, 'fixtures/hello.status'), 'utf8')));
  });

  it('finds its vCPU worker bundle beside it (dirtyrate runs the guest in the worker)', () => {
    const r = memvisor('dirtyrate', join(guests, 'elf/churn.elf'), '--calc-time', '0.2', '--json');
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.out) as { status: string; 'dirty-pages': number };
    expect(report.status).toBe('measured');
    expect(report['dirty-pages']).toBeGreaterThan(0);
  });

  it('inlines the ES build of rxjs, not the CommonJS one Node would load', () => {
    const inputs = Object.keys(meta.inputs);
    expect(inputs.some((p) => p.includes('node_modules/rxjs/dist/esm'))).toBe(true);
    expect(inputs.some((p) => p.includes('node_modules/rxjs/dist/cjs'))).toBe(false);
  });

  it('inlines the workspace packages from their TypeScript sources, not a possibly stale dist/', () => {
    // esbuild names inputs relative to the working directory.
    const ours = Object.keys(meta.inputs)
      .filter((p) => !p.includes('node_modules/'))
      .map((p) => resolve(p));
    expect(ours).toContain(join(repo, 'packages/tcg/src/worker/vcpuThread.ts'));
    expect(ours).toContain(join(repo, 'packages/memory-core/src/index.ts'));
    expect(ours.filter((p) => p.includes('/dist/'))).toEqual([]);
  });

  it('bin/memvisor.js without a build says so, naming the missing bundle, and exits 1', () => {
    const app = join(dir, 'unbuilt');
    mkdirSync(join(app, 'bin'), { recursive: true });
    copyFileSync(join(repo, 'packages/apps/bin/memvisor.js'), join(app, 'bin/memvisor.js'));
    copyFileSync(join(repo, 'packages/apps/package.json'), join(app, 'package.json'));
    const p = spawnSync(process.execPath, [join(app, 'bin/memvisor.js'), 'run', 'x.elf'], { encoding: 'utf8', timeout: 60_000 });
    expect(p.status).toBe(1);
    expect(p.stderr).toBe(`memvisor: the CLI is not built (no ${join(app, 'dist/bundle/memvisor.js')}); run npm run build\n`);
  });
});
