import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from '../test/runCli.js';
import { errorReply, UnknownCommandError } from './errorReply.js';
import { UsageError } from './io.js';

const here = dirname(fileURLToPath(import.meta.url));
const MACHINES = join(here, '../machines');
const FIXTURES = join(here, '../../../tools/qemu-fixtures/7.2');

function tmpFile(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'memvisor-cli-')), name);
  writeFileSync(file, text);
  return file;
}

describe('memvisor cli', () => {
  it('refuses an unknown command with status 2', async () => {
    const r = await run('frobnicate');
    expect(r.status).toBe(2);
    expect(r.err).toContain('unknown command frobnicate');
  });

  it.each([
    ['q35', 'q35.json'],
    ['pc', 'pc.json'],
    ['riscv32-virt', 'riscv32-virt.json'],
    ['riscv64-virt', 'riscv64-virt.json'],
  ])('mtree machines/%s -f prints what QEMU 7.2 printed, byte for byte', async (fixture, file) => {
    const r = await run('mtree', join(MACHINES, file), '-f');
    expect(r).toMatchObject({ status: 0, err: '' });
    expect(r.out).toBe(readFileSync(join(FIXTURES, fixture, 'mtree-f.txt'), 'utf8'));
  });

  it('mtree --from-qemu TREE -D prints the tree QEMU printed, byte for byte', async () => {
    const tree = join(FIXTURES, 'q35', 'mtree-D.txt');
    const r = await run('mtree', '--from-qemu', tree, '-D');
    expect(r.status).toBe(0);
    expect(r.out).toBe(readFileSync(tree, 'utf8'));
    const plain = await run('mtree', '--from-qemu', tree);
    expect(plain.out).toBe(readFileSync(join(FIXTURES, 'q35', 'mtree.txt'), 'utf8'));
  });

  it.each(['q35', 'pc', 'riscv32-virt', 'riscv64-virt'])('mtree --from-qemu TREE --flat FLAT --json prints the bundled %s description (no drift)', async (machine) => {
    const dir = join(FIXTURES, machine);
    const r = await run('mtree', '--from-qemu', join(dir, 'mtree-D.txt'), '--flat', join(dir, 'mtree-f.txt'), '--json');
    expect(r.status).toBe(0);
    const printed = JSON.parse(r.out) as { regions: unknown; addressSpaces: unknown };
    const bundled = JSON.parse(readFileSync(join(MACHINES, `${machine}.json`), 'utf8')) as typeof printed;
    expect(printed.regions).toEqual(bundled.regions);
    expect(printed.addressSpaces).toEqual(bundled.addressSpaces);
  });

  it('a missing file: status 1, one line naming the file', async () => {
    const r = await run('mtree', '/nonexistent/machine.json');
    expect(r.status).toBe(1);
    expect(r.err).toBe('memvisor: /nonexistent/machine.json: cannot read: no such file\n');
  });

  it('malformed JSON: status 1, one line with file, line and column', async () => {
    const file = tmpFile('bad.json', '{\n  "format": "memvisor-machine/1",\n  "regions": [,]\n}\n');
    const r = await run('mtree', file);
    expect(r.status).toBe(1);
    expect(r.err).toMatch(new RegExp(`^memvisor: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: malformed JSON`));
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
  });

  it('a schema violation: status 1, naming the region', async () => {
    const spec = { format: 'memvisor-machine/1', regions: [{ name: 'system', kind: 'container', size: '0x1000', subregions: [{ name: 'ram0', kind: 'ram', size: 'lots' }] }], addressSpaces: [] };
    const r = await run('mtree', tmpFile('schema.json', JSON.stringify(spec)));
    expect(r.status).toBe(1);
    expect(r.err).toContain('region "ram0" at /regions/0/subregions/0/size');
  });

  it('malformed mtree text: status 1, naming the file and line', async () => {
    const file = tmpFile('tree.txt', 'address-space: memory\n  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n  garbage\n\n');
    const r = await run('mtree', '--from-qemu', file);
    expect(r.status).toBe(1);
    expect(r.err).toMatch(new RegExp(`^memvisor: .*tree\\.txt:3: expected a region line`));
  });

  it.each([
    [['mtree'], 'missing SPEC.json'],
    [['mtree', 'a.json', 'b.json'], 'one SPEC.json expected'],
    [['mtree', '--bogus', 'a.json'], "Unknown option '--bogus'"],
    [['mtree', 'a.json', '--flat', 'f.txt'], '--flat FLAT.txt goes with --from-qemu'],
    [['mtree', 'a.json', '--from-qemu', 't.txt'], 'not both'],
  ])('usage mistake %j: status 2', async (argv, message) => {
    const r = await run(...argv);
    expect(r.status).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err).toContain('memvisor mtree SPEC.json');
  });

  // upstream c6bd8c706a, 75158ebbe2: the error class is chosen from the kind
  // of failure, never carried in (or parsed from) the message, and it is
  // GenericError for everything but the classes QMP keeps for compatibility.
  describe('--json failures are QMP error replies (upstream c6bd8c706a, 75158ebbe2)', () => {
    const reply = (r: { out: string }): unknown => JSON.parse(r.out);

    it('an unknown command is CommandNotFound, with status 2 and nothing on stderr', async () => {
      const r = await run('frobnicate', '--json');
      expect(r).toMatchObject({ status: 2, err: '' });
      expect(reply(r)).toEqual({ error: { class: 'CommandNotFound', desc: 'unknown command frobnicate' } });
    });

    it('every other failure is GenericError whose desc is the plain message', async () => {
      const elf = tmpFile('bad.elf', 'not an elf at all, just text');
      const cases: [string[], number][] = [
        [['run', elf, '--json'], 1],
        [['run', '--json', '--engine', 'fast', elf], 2],
        [['mtree', join(here, 'no-such.json'), '--json'], 1],
        [['mtree', tmpFile('bad.json', '{"x": '), '--json'], 1],
      ];
      for (const [argv, status] of cases) {
        const plain = await run(...argv.filter((a) => a !== '--json'));
        const r = await run(...argv);
        expect(r).toMatchObject({ status, err: '' });
        expect(plain.status).toBe(status);
        // The same message as without --json, minus the program name and usage text.
        const message = plain.err.split('\n')[0]!.replace(/^memvisor: /, '');
        expect(reply(r)).toEqual({ error: { class: 'GenericError', desc: message } });
      }
    });

    it('a message that reads like a class name does not change the class', () => {
      expect(errorReply(new UsageError('CommandNotFound'))).toEqual({ error: { class: 'GenericError', desc: 'CommandNotFound' } });
      expect(errorReply(new UnknownCommandError('x')).error.class).toBe('CommandNotFound');
    });
  });
});
