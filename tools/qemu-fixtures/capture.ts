/**
 * Captures QEMU's own view of a few machines' memory maps as committed test fixtures.
 *
 * For every machine below it starts QEMU paused (`-S -nodefaults -display none`),
 * talks QMP on stdio and runs the HMP commands `info mtree`, `info mtree -D`,
 * and `info mtree -f` through `human-monitor-command`, which returns
 * exactly the text HMP would print (no prompt, no echo to strip). All four outputs come
 * from one QEMU process, so the hash-table order of address-space groups is the same in
 * `mtree.txt` and `mtree-D.txt`. The monitor ends lines with CRLF; the files are written
 * with LF, the way QEMU's output looks on a terminal.
 *
 * Usage: `npx tsx tools/qemu-fixtures/capture.ts [--out DIR] [MACHINE...]` (default: every
 * machine, into `tools/qemu-fixtures/7.2`). Each run reorders QEMU's hash-ordered blocks,
 * so recapture only the machines you need; `MACHINES.md` is rewritten from all folders.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

/** One machine to capture: the fixture folder name and QEMU's command line. */
export interface FixtureMachine {
  name: string;
  argv: string[];
}

const COMMON = ['-S', '-nodefaults', '-display', 'none', '-qmp', 'stdio'];

/** The machines captured; `-bios none` on RISC-V because Debian ships no 32-bit OpenSBI. */
export const MACHINES: FixtureMachine[] = [
  { name: 'pc', argv: ['qemu-system-x86_64', '-M', 'pc', ...COMMON] },
  { name: 'q35', argv: ['qemu-system-x86_64', '-M', 'q35', ...COMMON] },
  { name: 'riscv32-virt', argv: ['qemu-system-riscv32', '-M', 'virt', '-bios', 'none', ...COMMON] },
  { name: 'riscv64-virt', argv: ['qemu-system-riscv64', '-M', 'virt', '-bios', 'none', ...COMMON] },
  { name: 'isapc', argv: ['qemu-system-x86_64', '-M', 'isapc', ...COMMON] },
  { name: 'microvm', argv: ['qemu-system-x86_64', '-M', 'microvm', ...COMMON] },
  { name: 'riscv64-sifive_u', argv: ['qemu-system-riscv64', '-M', 'sifive_u', '-bios', 'none', ...COMMON] },
  { name: 'riscv64-spike', argv: ['qemu-system-riscv64', '-M', 'spike', '-bios', 'none', ...COMMON] },
  // PCI devices add bus-master address spaces, BARs (unmapped while paused) and VGA's aliases.
  {
    name: 'q35-devices',
    argv: ['qemu-system-x86_64', '-M', 'q35', '-device', 'VGA', '-device', 'e1000', '-device', 'virtio-net-pci', ...COMMON],
  },
  {
    name: 'pc-devices',
    argv: [
      'qemu-system-x86_64', '-M', 'pc', '-audiodev', 'none,id=snd0', '-device', 'cirrus-vga', '-device', 'pvpanic',
      '-device', 'intel-hda', '-device', 'hda-duplex,audiodev=snd0', ...COMMON,
    ],
  },
];

/** HMP command → file name. */
export const COMMANDS: ReadonlyArray<readonly [string, string]> = [
  ['info mtree', 'mtree.txt'],
  ['info mtree -D', 'mtree-D.txt'],
  ['info mtree -f', 'mtree-f.txt'],
];

interface QmpReply {
  QMP?: { version: { qemu: { major: number; minor: number; micro: number }; package: string } };
  return?: unknown;
  error?: { class: string; desc: string };
  event?: string;
}

/** Runs one QEMU, returns its version string and each command's output. */
async function captureMachine(m: FixtureMachine): Promise<{ version: string; outputs: Map<string, string> }> {
  const [cmd, ...args] = m.argv;
  const child = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const replies: QmpReply[] = [];
  const waiters: Array<(r: QmpReply) => void> = [];
  lines.on('line', (line) => {
    const reply = JSON.parse(line) as QmpReply;
    if (reply.event) return;
    const w = waiters.shift();
    if (w) w(reply);
    else replies.push(reply);
  });
  const next = (): Promise<QmpReply> =>
    new Promise((resolve) => {
      const r = replies.shift();
      if (r) resolve(r);
      else waiters.push(resolve);
    });
  const send = (execute: string, args?: object): Promise<QmpReply> => {
    child.stdin.write(JSON.stringify(args ? { execute, arguments: args } : { execute }) + '\n');
    return next();
  };
  const greeting = await next();
  const v = greeting.QMP?.version;
  if (!v) throw new Error(`${m.name}: no QMP greeting from ${cmd}`);
  const version = `${v.qemu.major}.${v.qemu.minor}.${v.qemu.micro} (${v.package.trim()})`;
  await send('qmp_capabilities');
  const outputs = new Map<string, string>();
  for (const [hmp, file] of COMMANDS) {
    const r = await send('human-monitor-command', { 'command-line': hmp });
    if (typeof r.return !== 'string') throw new Error(`${m.name}: ${hmp} failed: ${JSON.stringify(r.error)}`);
    outputs.set(file, r.return.replace(/\r\n/g, '\n'));
  }
  await send('quit');
  await new Promise((resolve) => child.once('exit', resolve));
  return { version, outputs };
}

async function capture(outDir: string, names: string[]): Promise<void> {
  for (const name of names) {
    if (!MACHINES.some((m) => m.name === name)) throw new Error(`unknown machine ${name}; known: ${MACHINES.map((m) => m.name).join(', ')}`);
  }
  const versions = new Map<string, string>();
  const table = join(outDir, 'MACHINES.md');
  if (existsSync(table)) {
    for (const m of readFileSync(table, 'utf8').matchAll(/^\| `([^`]+)` \| ([^|]+) \|/gm)) versions.set(m[1]!, m[2]!.trim());
  }
  for (const m of MACHINES) {
    if (names.length > 0 && !names.includes(m.name)) continue;
    const { version, outputs } = await captureMachine(m);
    mkdirSync(join(outDir, m.name), { recursive: true });
    for (const [file, text] of outputs) writeFileSync(join(outDir, m.name, file), text);
    versions.set(m.name, version);
    process.stdout.write(`captured ${m.name}: QEMU ${version}\n`);
  }
  const rows = MACHINES.filter((m) => versions.has(m.name)).map((m) => `| \`${m.name}\` | ${versions.get(m.name)} | \`${m.argv.join(' ')}\` |`);
  writeFileSync(table, ['| folder | QEMU | command line |', '|---|---|---|', ...rows, ''].join('\n'));
}

const here = dirname(fileURLToPath(import.meta.url));
const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string' } } });
await capture(values.out ?? join(here, '7.2'), positionals);
