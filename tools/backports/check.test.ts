import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from './check.js';
import { discover, findCitations } from './discover.js';
import { FrontMatterError, formatFrontMatter, parseFrontMatter } from './frontMatter.js';
import { UpstreamListError, mentionsCommit, parseEntry, parseUpstreamTsv } from './model.js';
import { MARKERS, PACKAGE_MARKERS, ReadmeMarkerError, renderPackageList, updatePackageReadme, updateReadme } from './readme.js';
import { REPO_ROOT, isTestPath, loadInput } from './repo.js';
import { checkBackports, type BackportsInput } from './validate.js';

const A = 'aaaa1111bbbb2222cccc3333dddd4444eeee5555';
const B = 'bbbb1111bbbb2222cccc3333dddd4444eeee5555';
const C = 'cccc1111bbbb2222cccc3333dddd4444eeee5555';

const TSV = [
  'upstream\tseed\tarea_hint\tsummary',
  `${A}\t001_x.txt\tmemory-core\tthe first one`,
  `${B}\t001_x.txt\tn/a?\tC header shuffle`,
  `${C}\t002_y.txt\tmigration\tthe third one`,
  '',
].join('\n');

const BODY = [
  '',
  '## In QEMU',
  '',
  'Something changes in QEMU, explained at enough length to count as an explanation.',
  '',
  '## In memvisor',
  '',
  'memvisor does the same thing in TypeScript, and this sentence says how it does it.',
  '',
].join('\n');

interface EntryFields {
  commit?: string;
  title?: string;
  title_source?: string;
  status?: string;
  packages?: string[];
  modules?: string[];
  tests?: string[];
  reason?: string;
}

function entry(fields: EntryFields, body = BODY): string {
  return formatFrontMatter(
    {
      title: 'subsystem: a title',
      title_source: 'paraphrase',
      packages: [],
      modules: [],
      tests: [],
      ...fields,
    },
    body,
  );
}

const README_SKELETON = [
  '# Backports',
  '',
  MARKERS.countsStart,
  MARKERS.countsEnd,
  '',
  MARKERS.tableStart,
  MARKERS.tableEnd,
  '',
].join('\n');

const PACKAGE_README_SKELETON = ['# pkg', '', '## Upstream QEMU commits', '', PACKAGE_MARKERS.start, PACKAGE_MARKERS.end, ''].join('\n');

/** A consistent layer of three commits: A implemented, B not applicable, C planned. */
function fixture(): { entryFiles: Map<string, string>; repo: Map<string, string>; input: () => BackportsInput } {
  const entryFiles = new Map<string, string>([
    [
      'aaaa1111bb.md',
      entry({
        commit: A,
        status: 'implemented',
        packages: ['memory-core'],
        modules: ['packages/memory-core/src/dirty/bitmap.ts'],
        tests: ['packages/memory-core/src/dirty/bitmap.test.ts'],
      }),
    ],
    ['bbbb1111bb.md', entry({ commit: B, status: 'not-applicable', reason: 'C header change' })],
    ['cccc1111bb.md', entry({ commit: C, status: 'planned', packages: ['migration'] })],
  ]);
  const repo = new Map<string, string>([
    ['packages/memory-core/src/dirty/bitmap.ts', 'export const x = 1;\n'],
    ['packages/memory-core/src/dirty/bitmap.test.ts', "// upstream AAAA1111bb\nit('works', () => {});\n"],
    ...['accel', 'memory-core', 'migration'].map((pkg): [string, string] => [`packages/${pkg}/README.md`, PACKAGE_README_SKELETON]),
  ]);
  const input = (): BackportsInput => {
    const base: BackportsInput = {
      upstream: parseUpstreamTsv(TSV),
      entryFiles,
      readme: README_SKELETON,
      workspacePackages: ['accel', 'memory-core', 'migration'],
      readRepoFile: (path) => repo.get(path),
      pathExists: (path) => repo.has(path) || [...repo.keys()].some((file) => file.startsWith(path.endsWith('/') ? path : `${path}/`)),
    };
    const { expectedReadme, expectedPackageReadmes } = checkBackports(base);
    return { ...base, readme: expectedReadme, readRepoFile: (path) => expectedPackageReadmes.get(path) ?? repo.get(path) };
  };
  return { entryFiles, repo, input };
}

function messages(input: BackportsInput, strict = false): string[] {
  return checkBackports(input, strict).problems.map((problem) => `${problem.commit ?? problem.file}: ${problem.message}`);
}

describe('parseFrontMatter', () => {
  it('reads scalars, quoted strings, flow lists and block lists', () => {
    const doc = parseFrontMatter(
      [
        '---',
        'commit: abc',
        'title: "memory: a title with: colons"',
        "reason: 'it''s C'",
        'packages: [memory-core, tcg]',
        'tests: []',
        'modules:',
        '  - packages/a.ts',
        '  - "packages/b c.ts"',
        '---',
        'body text',
      ].join('\n'),
    );
    expect(doc.data).toEqual({
      commit: 'abc',
      title: 'memory: a title with: colons',
      reason: "it's C",
      packages: ['memory-core', 'tcg'],
      tests: [],
      modules: ['packages/a.ts', 'packages/b c.ts'],
    });
    expect(doc.body).toBe('body text');
  });

  it('a key with no value and no items is an empty list', () => {
    expect(parseFrontMatter('---\ntests:\nstatus: planned\n---\n').data).toEqual({ tests: [], status: 'planned' });
  });

  it.each([
    ['no opening line', 'commit: a\n---\n', /must start/],
    ['no closing line', '---\ncommit: a\n', /not closed/],
    ['a key given twice', '---\na: 1\na: 2\n---\n', /line 3: key "a" is given twice/],
    ['an item without a key', '---\na: 1\n  - x\n---\n', /line 3: a list item/],
    ['a block scalar', '---\nreason: >\n  text\n---\n', /block scalars/],
    ['nesting', '---\na:\n  b: c\n---\n', /line 3: cannot read/],
    ['an unterminated quote', '---\ntitle: "abc\n---\n', /unterminated/],
  ])('rejects %s, naming the line', (_what, text, message) => {
    expect(() => parseFrontMatter(text)).toThrow(FrontMatterError);
    expect(() => parseFrontMatter(text)).toThrow(message);
  });

  it('formatFrontMatter writes what parseFrontMatter reads back', () => {
    const data = {
      commit: A,
      title: 'memory: "quoted" and # hash and: colon',
      status: 'planned',
      packages: ['memory-core'],
      modules: [],
      tests: ['- odd name.ts', 'x: y.ts'],
      reason: ' leading space',
    };
    const doc = parseFrontMatter(formatFrontMatter(data, '\nbody\n'));
    expect(doc.data).toEqual(data);
    expect(doc.body).toBe('\nbody\n');
  });
});

describe('parseUpstreamTsv', () => {
  it('reads the rows in order with their line numbers', () => {
    const rows = parseUpstreamTsv(TSV);
    expect(rows.map((row) => [row.commit, row.seed, row.areaHint, row.line])).toEqual([
      [A, '001_x.txt', 'memory-core', 2],
      [B, '001_x.txt', 'n/a?', 3],
      [C, '002_y.txt', 'migration', 4],
    ]);
  });

  it('rejects a wrong header, a short id and a duplicate', () => {
    expect(() => parseUpstreamTsv('id\tseed\n')).toThrow(UpstreamListError);
    expect(() => parseUpstreamTsv('upstream\tseed\nabc123\tx\n')).toThrow(/line 2: "abc123" is not a 40-hex/);
    expect(() => parseUpstreamTsv(`upstream\tseed\n${A}\tx\n${A.toUpperCase()}\ty\n`)).toThrow(/listed twice/);
  });
});

describe('mentionsCommit', () => {
  it('accepts 8 to 40 leading hex digits, any case', () => {
    expect(mentionsCommit('// upstream aaaa1111', A)).toBe(true);
    expect(mentionsCommit('// upstream AAAA1111BB', A)).toBe(true);
    expect(mentionsCommit(`see ${A}.`, A)).toBe(true);
  });

  it('rejects 7 digits, a different commit, and a prefix inside a longer hex run', () => {
    expect(mentionsCommit('// upstream aaaa111', A)).toBe(false);
    expect(mentionsCommit('// upstream aaaa1112', A)).toBe(false);
    expect(mentionsCommit('0xffaaaa1111bb', A)).toBe(false);
    expect(mentionsCommit('aaaa1111bbbb2222ff', A)).toBe(false);
  });
});

describe('checkBackports', () => {
  it('passes a consistent layer and reports planned entries as warnings', () => {
    const { input } = fixture();
    const result = checkBackports(input());
    expect(result.problems).toEqual([]);
    expect(result.warnings.map((warning) => warning.commit)).toEqual(['cccc1111bb']);
    expect(result.entries.size).toBe(3);
  });

  it('--strict makes planned entries fail', () => {
    const { input } = fixture();
    expect(messages(input(), true)).toEqual(['cccc1111bb: planned: not implemented yet']);
  });

  it('names the commit whose entry file is missing', () => {
    const { entryFiles, input } = fixture();
    const ready = input();
    entryFiles.delete('cccc1111bb.md');
    expect(messages(ready)).toContainEqual(expect.stringMatching(/^cccc1111bb: no entry file .*docs\/backports\/cccc1111bb\.md/));
  });

  it('reports a stray entry file for a commit not in the list', () => {
    const { entryFiles, input } = fixture();
    const ready = input();
    entryFiles.set('0123456789.md', entry({ commit: '0123456789'.repeat(4), status: 'planned' }));
    expect(messages(ready)).toEqual(['docs/backports/0123456789.md: entry file for a commit that is not in upstream.tsv (rename it or add the commit to the list)']);
  });

  it('an implemented entry fails when its test file is gone or no longer cites the commit', () => {
    const { repo, input } = fixture();
    const ready = input();
    repo.set('packages/memory-core/src/dirty/bitmap.test.ts', "// upstream bbbb1111bb\nit('works', () => {});\n");
    expect(messages(ready)).toEqual([
      'aaaa1111bb: test file packages/memory-core/src/dirty/bitmap.test.ts does not mention aaaa1111 (cite it as "// upstream aaaa1111bb")',
    ]);
    repo.delete('packages/memory-core/src/dirty/bitmap.test.ts');
    expect(messages(ready)).toEqual(['aaaa1111bb: test file packages/memory-core/src/dirty/bitmap.test.ts does not exist']);
  });

  it('an implemented or adapted entry needs packages, modules that exist, and tests', () => {
    const { entryFiles, input } = fixture();
    const ready = input();
    entryFiles.set('aaaa1111bb.md', entry({ commit: A, status: 'adapted', modules: ['packages/memory-core/src/gone.ts'] }));
    const found = messages(ready);
    expect(found).toContain('aaaa1111bb: status adapted but "packages" is empty');
    expect(found).toContain('aaaa1111bb: status adapted but "tests" is empty');
    expect(found).toContain('aaaa1111bb: module packages/memory-core/src/gone.ts does not exist');
  });

  it('a module or test of a package the entry does not list is reported', () => {
    const { entryFiles, repo, input } = fixture();
    const ready = input();
    repo.set('packages/accel/src/kvm.test.ts', '// upstream aaaa1111bb\n');
    entryFiles.set(
      'aaaa1111bb.md',
      entry({
        commit: A,
        status: 'implemented',
        packages: ['memory-core'],
        modules: ['packages/memory-core/src/dirty/bitmap.ts'],
        tests: ['packages/accel/src/kvm.test.ts'],
      }),
    );
    expect(messages(ready)).toEqual(['aaaa1111bb: packages/accel/src/kvm.test.ts belongs to package accel, which "packages" does not list']);
  });

  it('a promoted entry must not keep the planned note in its body', () => {
    const { entryFiles, input } = fixture();
    const ready = input();
    const text = entryFiles.get('aaaa1111bb.md') ?? '';
    entryFiles.set('aaaa1111bb.md', text.replace('## In memvisor\n', '## In memvisor\n\n*Planned: not landed yet.*\n'));
    expect(messages(ready)).toEqual(['aaaa1111bb: status implemented but the body still carries the planned note; say what was done']);
  });

  it('a not-applicable entry needs a reason', () => {
    const { entryFiles, input } = fixture();
    const ready = input();
    entryFiles.set('bbbb1111bb.md', entry({ commit: B, status: 'not-applicable' }));
    expect(messages(ready)).toEqual(['bbbb1111bb: status not-applicable but "reason" is missing']);
  });

  it('rejects an unknown status, title source, package or key, and a wrong commit id', () => {
    const { entryFiles, input } = fixture();
    const ready = input();
    entryFiles.set(
      'cccc1111bb.md',
      entry({ commit: A, status: 'done', title_source: 'memory', packages: ['nowhere'] }).replace('tests: []', 'tests: []\ntest: []'),
    );
    const found = messages(ready);
    expect(found).toContain(`cccc1111bb: "commit" is "${A}", expected the full id ${C}`);
    expect(found).toContain('cccc1111bb: "status" is "done", expected one of implemented, adapted, not-applicable, planned');
    expect(found).toContain('cccc1111bb: "title_source" is "memory", expected one of seed, upstream, paraphrase');
    expect(found).toContainEqual(expect.stringMatching(/"packages" names "nowhere", which is not a workspace package/));
    expect(found).toContainEqual(expect.stringMatching(/unknown front-matter key "test"/));
  });

  it('reports front matter that does not parse, with the line', () => {
    const { entryFiles, input } = fixture();
    const ready = input();
    entryFiles.set('cccc1111bb.md', '---\ncommit: x\ncommit: y\n---\n');
    expect(messages(ready)).toEqual(['cccc1111bb: front matter: line 3: key "commit" is given twice']);
  });

  it('requires both body sections', () => {
    const { entryFiles, input } = fixture();
    const ready = input();
    entryFiles.set('bbbb1111bb.md', entry({ commit: B, status: 'not-applicable', reason: 'C' }, '\n## In QEMU\n\nA long enough account of what happened upstream in C.\n'));
    expect(messages(ready)).toEqual(['bbbb1111bb: the body has no "## In memvisor" section']);
  });

  it('fails when the README table is stale, and regenerates it', () => {
    const { entryFiles, input } = fixture();
    const ready = input();
    entryFiles.set('cccc1111bb.md', entry({ commit: C, status: 'not-applicable', reason: 'moved elsewhere' }));
    const result = checkBackports(ready);
    expect(result.problems.map((problem) => problem.file)).toEqual(['docs/backports/README.md']);
    expect(result.expectedReadme).toContain('| [cccc1111bb](cccc1111bb.md) | subsystem: a title *(paraphrased)* | not-applicable |  |');
    expect(checkBackports({ ...ready, readme: result.expectedReadme }).problems).toEqual([]);
  });

  it('fails when the README lacks its markers', () => {
    const { input } = fixture();
    expect(messages({ ...input(), readme: '# no markers\n' })).toEqual([`docs/backports/README.md: docs/backports/README.md lacks the marker line ${MARKERS.countsStart}`]);
  });

  it('fails when a package README lacks its upstream list, has no markers, or is missing', () => {
    const { repo, input } = fixture();
    const ok = input();
    expect(messages(ok)).toEqual([]);
    const stale = PACKAGE_README_SKELETON; // the list of memory-core is empty here: stale
    expect(messages({ ...ok, readRepoFile: (path) => (path === 'packages/memory-core/README.md' ? stale : ok.readRepoFile(path)) })).toEqual([
      'packages/memory-core/README.md: the list of upstream commits is out of date; run "npx tsx backports/check.ts --write" in tools/ and commit the result',
    ]);
    expect(messages({ ...ok, readRepoFile: (path) => (path === 'packages/accel/README.md' ? '# accel\n' : ok.readRepoFile(path)) })).toEqual([
      `packages/accel/README.md: packages/accel/README.md lacks the marker line ${PACKAGE_MARKERS.start}`,
    ]);
    repo.delete('packages/migration/README.md');
    expect(messages({ ...ok, readRepoFile: (path) => (path === 'packages/migration/README.md' ? undefined : ok.readRepoFile(path)) })).toEqual([
      'packages/migration/README.md: the package has no README (it lists the upstream commits the package implements)',
    ]);
    // The generated list names what the package implements, between the markers, prose kept.
    const memoryCore = ok.readRepoFile('packages/memory-core/README.md') ?? '';
    expect(memoryCore).toContain('- [`aaaa1111bb`](../../docs/backports/aaaa1111bb.md)');
    expect(memoryCore.startsWith('# pkg\n\n## Upstream QEMU commits\n')).toBe(true);
    expect(updatePackageReadme(memoryCore, 'memory-core', ok.upstream, checkBackports(ok).entries)).toBe(memoryCore);
  });

  it('with seed texts: a "seed" title must be in a seed, and bodies must not copy the message', () => {
    const { entryFiles, input } = fixture();
    const sentence = 'This upstream sentence is long enough that copying it word for word is plainly copying.';
    const seeds = new Map([['002_y.txt', `subsystem: the real subject\n\n${sentence}\n`]]);
    entryFiles.set('cccc1111bb.md', entry({ commit: C, status: 'planned', title: 'subsystem: the real subject', title_source: 'seed' }));
    expect(messages({ ...input(), seeds })).toEqual([]);
    entryFiles.set(
      'cccc1111bb.md',
      entry({ commit: C, status: 'planned', title: 'subsystem: made up', title_source: 'seed' }, BODY.replace('## In memvisor', `${sentence}\n\n## In memvisor`)),
    );
    const found = messages({ ...input(), seeds });
    expect(found).toContain('cccc1111bb: "title_source: seed" but the title does not appear in any seed text');
    expect(found).toContainEqual(expect.stringMatching(/^cccc1111bb: the body copies the upstream message/));
  });
});

describe('README generation', () => {
  it('counts every status and is idempotent', () => {
    const { input } = fixture();
    const readme = input().readme ?? '';
    expect(readme).toContain('| implemented | 1 |');
    expect(readme).toContain('| not-applicable | 1 |');
    expect(readme).toContain('| planned | 1 |');
    expect(readme).toContain('| **total** | **3** |');
    expect(readme).toContain('| [aaaa1111bb](aaaa1111bb.md) | subsystem: a title *(paraphrased)* | implemented | memory-core |');
    const { entries } = checkBackports(input());
    expect(updateReadme(readme, parseUpstreamTsv(TSV), entries)).toBe(readme);
  });

  it('keeps the prose around the markers and escapes pipes in titles', () => {
    const { entryFiles, input } = fixture();
    entryFiles.set('bbbb1111bb.md', entry({ commit: B, status: 'not-applicable', reason: 'C', title: 'a | b' }));
    const readme = input().readme ?? '';
    expect(readme.startsWith('# Backports\n')).toBe(true);
    expect(readme).toContain('a \\| b');
  });

  it('throws ReadmeMarkerError when an end marker is missing', () => {
    expect(() => updateReadme(`${MARKERS.countsStart}\n`, [], new Map())).toThrow(ReadmeMarkerError);
  });

  it('lists what a package implements, for its README', () => {
    const { input } = fixture();
    const ready = input();
    const { entries } = checkBackports(ready);
    expect(renderPackageList('memory-core', ready.upstream, entries)).toBe(
      '- [`aaaa1111bb`](../../docs/backports/aaaa1111bb.md) subsystem: a title — implemented',
    );
    expect(renderPackageList('migration', ready.upstream, entries)).toBe('_No upstream commit is implemented in migration yet._');
    expect(renderPackageList('migration', ready.upstream, entries, true)).toContain('Planned:\n\n- [`cccc1111bb`]');
  });
});

describe('discover', () => {
  it('finds "upstream <id>" citations with their lines', () => {
    expect(findCitations('a\n// upstream B2DFD71C48 and upstream 2d1a35bef0\n/* upstream abc */')).toEqual([
      { id: 'b2dfd71c48', line: 2 },
      { id: '2d1a35bef0', line: 2 },
    ]);
  });

  it('reads several ids in one citation and the comment lines that continue it', () => {
    const text = [
      '  // upstream a29ac16632, 794e8f301a: one free path',
      '  // upstream d114875b9a (atomic set), 36546e5b80 / 03eebc9e32 (atomic test-and-clear),',
      '  // 9f02cfc84b (atomic OR on shared words): accepted deadbeef words and 0x80000000 do not count',
      "  it('x', () => {",
      '    write(0x12345678); // 9460dee4b2 is not cited here',
    ].join('\n');
    expect(findCitations(text).map((citation) => `${citation.line}:${citation.id}`)).toEqual([
      '1:a29ac16632',
      '1:794e8f301a',
      '2:d114875b9a',
      '2:36546e5b80',
      '2:03eebc9e32',
      '3:9f02cfc84b',
    ]);
  });

  it('lists planned entries cited by tests, unlisted citing tests, and unresolved ids', () => {
    const { input } = fixture();
    const ready = input();
    const { entries } = checkBackports(ready);
    const report = discover(
      ready.upstream,
      entries,
      new Map([
        ['packages/migration/test/unsent.test.ts', '// upstream cccc1111bb\n'],
        ['packages/memory-core/src/dirty/atomic.test.ts', '// upstream aaaa1111\n// upstream 99999999\n'],
        ['packages/memory-core/src/dirty/bitmap.test.ts', '// upstream aaaa1111bb\n'],
      ]),
    );
    expect(report.promotable.map((found) => [found.row.commit, found.citedBy])).toEqual([[C, ['packages/migration/test/unsent.test.ts']]]);
    expect(report.unlisted.map((found) => [found.row.commit, found.unlisted])).toEqual([[A, ['packages/memory-core/src/dirty/atomic.test.ts']]]);
    expect(report.unresolved).toEqual([{ file: 'packages/memory-core/src/dirty/atomic.test.ts', citation: { id: '99999999', line: 2 }, matches: 0 }]);
  });

  it('scans package tests and test folders, not sources or build output', () => {
    expect(isTestPath('packages/memory-core/src/dirty/bitmap.test.ts')).toBe(true);
    expect(isTestPath('packages/tcg/test/helpers/machine.ts')).toBe(true);
    expect(isTestPath('test/e2e/migrate.ts')).toBe(true);
    expect(isTestPath('packages/tcg/src/jit.ts')).toBe(false);
    expect(isTestPath('packages/tcg/dist/jit.test.ts')).toBe(false);
    expect(isTestPath('tools/backports/check.test.ts')).toBe(false);
  });
});

describe('the command line', () => {
  let root: string;
  let log: string[];
  const write = (path: string, text: string): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'backports-'));
    log = [];
    vi.spyOn(console, 'log').mockImplementation((text: string) => void log.push(text));
    vi.spyOn(console, 'error').mockImplementation((text: string) => void log.push(text));
    const { entryFiles, repo } = fixture();
    write('docs/backports/upstream.tsv', TSV);
    write('docs/backports/README.md', README_SKELETON);
    for (const [name, text] of entryFiles) write(`docs/backports/${name}`, text);
    for (const [path, text] of repo) write(path, text);
    for (const pkg of ['accel', 'memory-core', 'migration']) write(`packages/${pkg}/package.json`, '{}');
  });

  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(root, { recursive: true, force: true });
  });

  it('fails on a stale README, --write fixes it, --strict fails on planned', () => {
    expect(main([], root)).toBe(1);
    expect(log.join('\n')).toMatch(/README\.md\n {4}- the generated table or counts are out of date/);
    expect(main(['--write'], root)).toBe(0);
    expect(readFileSync(join(root, 'docs/backports/README.md'), 'utf8')).toContain('| planned | 1 |');
    expect(main([], root)).toBe(0);
    expect(main(['--strict'], root)).toBe(1);
  });

  it('--write regenerates a stale package README list and keeps its prose', () => {
    expect(main(['--write'], root)).toBe(0);
    const file = join(root, 'packages/memory-core/README.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('# pkg', '# memory-core, edited').replace(/- \[`aaaa1111bb`\].*\n/, ''));
    expect(main([], root)).toBe(1);
    expect(log.join('\n')).toContain('the list of upstream commits is out of date');
    expect(main(['--write'], root)).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('# memory-core, edited');
    expect(readFileSync(file, 'utf8')).toContain('[`aaaa1111bb`]');
  });

  it('--discover --worktree names the planned entry a test cites', () => {
    write('packages/migration/test/unsent.test.ts', '// upstream cccc1111bb\n');
    expect(main(['--discover', '--worktree'], root)).toBe(0);
    expect(log.join('\n')).toContain('cccc1111bb');
    expect(log.join('\n')).toContain('- packages/migration/test/unsent.test.ts');
  });

  it('--package-list prints the markdown list and rejects unknown packages', () => {
    expect(main(['--package-list', 'memory-core'], root)).toBe(0);
    expect(log.at(-1)).toContain('[`aaaa1111bb`]');
    expect(main(['--package-list', 'nope'], root)).toBe(2);
    expect(main(['--bogus'], root)).toBe(2);
  });
});

describe('the committed backport layer', () => {
  it('lists the 79 upstream commits and every entry parses', () => {
    const input = loadInput(REPO_ROOT);
    expect(input.upstream).toHaveLength(79);
    for (const text of input.entryFiles.values()) expect(parseEntry(text).problems).toEqual([]);
  });
});
