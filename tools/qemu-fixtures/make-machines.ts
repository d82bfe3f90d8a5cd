/**
 * Regenerates the bundled machine descriptions (`packages/apps/machines/*.json`)
 * from the captured QEMU text: `info mtree -D` for the tree, `info mtree -f` for
 * what the tree leaves out (container or I/O, read-only aliases) and for the
 * address spaces' creation order.
 *
 * Usage: `npx tsx --conditions=@memvisor/source tools/qemu-fixtures/make-machines.ts`
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseQemuMtree } from '@memvisor/memory-core';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '../../packages/apps/machines');

/** Fixture folder → bundled machine file name. */
const MACHINES: ReadonlyArray<readonly [string, string]> = [
  ['q35', 'q35.json'],
  ['pc', 'pc.json'],
  ['riscv32-virt', 'riscv32-virt.json'],
  ['riscv64-virt', 'riscv64-virt.json'],
];

const version = /\| `q35` \| ([^|]+) \|/.exec(readFileSync(join(here, '7.2/MACHINES.md'), 'utf8'))?.[1]?.trim() ?? '7.2';

for (const [fixture, file] of MACHINES) {
  const dir = join(here, '7.2', fixture);
  const spec = parseQemuMtree(readFileSync(join(dir, 'mtree-D.txt'), 'utf8'), {
    flat: readFileSync(join(dir, 'mtree-f.txt'), 'utf8'),
    name: fixture,
    source: `QEMU ${version}: info mtree -D and info mtree -f (tools/qemu-fixtures/7.2/${fixture})`,
  });
  const out = { $schema: '../../memory-core/src/spec/machine.schema.json', ...spec };
  writeFileSync(join(outDir, file), JSON.stringify(out, null, 2) + '\n');
  process.stdout.write(`wrote packages/apps/machines/${file}\n`);
}
