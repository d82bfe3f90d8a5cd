/**
 * `tcg/loop-wasm-vs-js`: what a WebAssembly back end could gain over the JavaScript
 * one, measured on one guest-shaped loop rather than argued. The loop is bench.elf's
 * sieve (100 rounds over 20,000 bytes) with every byte access going through the
 * softmmu TLB check the translator emits (tag compare, host addend, slow path on a
 * miss), in two forms over the same shared memory: a JavaScript function made with
 * `new Function` as translation blocks are, and the same loop as a hand-assembled
 * WebAssembly function. Each cold sample has fresh code (a unique JS source; a unique
 * module, so V8's caches of neither can help); warm samples call the same code again.
 */
import { hostWebAssembly, sleb128, uleb128, wasmSection } from '@memvisor/memory-core';
import { record } from '../../../tools/bench/harness.js';
import type { BenchCase } from '../../../tools/bench/harness.js';

const DATA = 0x10000; // guest address of the sieve array (the TLB maps it 1:1)
const TLB = 0x80000; // tags: 256 × i32; addends 1 KiB later
const N = 20000;
const ROUNDS = 100;
const PAGES = 16; // 1 MiB of wasm memory

const wasm = hostWebAssembly!;
const memory = new wasm.Memory({ initial: PAGES, maximum: PAGES, shared: true });
const tag = new Int32Array(memory.buffer, TLB, 256);
const add = new Int32Array(memory.buffer, TLB + 1024, 256);
for (let p = 0; p < 256; p++) {
  tag[p] = p;
  add[p] = 0;
}
const miss = (): number => {
  throw new Error('TLB miss: the benchmark maps every page it touches');
};

let serial = 0;

/** The loop as the translator would write it in JavaScript. */
function jsSieve(): () => number {
  const access = (va: string, hit: string): string =>
    `{const va=${va},vpn=va>>>12,e=vpn&255;if(tag[e]===vpn){${hit}}else miss();}`;
  const src = `return function sieve(){let p=0;for(let r=0;r<${ROUNDS};r=(r+1)|0){
for(let i=0;i<${N};i=(i+1)|0)${access(`(${DATA}+i)|0`, 'r8[(va+add[e])|0]=1;')}
p=0;for(let i=2;i<${N};i=(i+1)|0){let v=0;${access(`(${DATA}+i)|0`, 'v=r8[(va+add[e])|0];')}
if(v!==0){p=(p+1)|0;for(let j=i<<1;j<${N};j=(j+i)|0)${access(`(${DATA}+j)|0`, 'r8[(va+add[e])|0]=0;')}}}}
return p;}\n//${serial++}`;
  return new Function('r8', 'tag', 'add', 'miss', src)(new Uint8Array(memory.buffer), tag, add, miss) as () => number;
}

// WebAssembly opcodes used below.
const BLOCK = 0x02, LOOP = 0x03, IF = 0x04, ELSE = 0x05, END = 0x0b, BR = 0x0c, BR_IF = 0x0d, CALL = 0x10, DROP = 0x1a;
const GET = 0x20, SET = 0x21, TEE = 0x22, LOAD = 0x28, LOAD8U = 0x2d, STORE8 = 0x3a, CONST = 0x41;
const EQ = 0x46, LT_S = 0x48, GE_S = 0x4e, ADD = 0x6a, AND = 0x71, SHL = 0x74, SHR_U = 0x76, VOID = 0x40;
// Locals: 0 r, 1 i, 2 j, 3 p, 4 va, 5 e (byte offset of the TLB entry), 6 v.
const R = 0, I = 1, J = 2, P = 3, VA = 4, E = 5, V = 6;
const c = (n: number): number[] => [CONST, ...sleb128(n)];
const load = (offset: number): number[] => [LOAD, 2, ...uleb128(offset)];

/** The TLB lookup for guest address DATA + local `idx`: sets va and e, leaves (tag == vpn) on the stack. */
const lookup = (idx: number): number[] => [
  ...c(DATA), GET, idx, ADD, SET, VA,
  GET, VA, ...c(12), SHR_U, ...c(255), AND, ...c(2), SHL, SET, E,
  GET, E, ...load(TLB), GET, VA, ...c(12), SHR_U, EQ,
];
const host = [GET, VA, GET, E, ...load(TLB + 1024), ADD];
const storeByte = (idx: number, value: number): number[] => [
  ...lookup(idx), IF, VOID, ...host, ...c(value), STORE8, 0, 0, ELSE, CALL, 0, DROP, END,
];
/** `local = local + 1; br_if 0 (local < limit)`, the back edge of a counted loop. */
const next = (local: number, limit: number): number[] => [GET, local, ...c(1), ADD, TEE, local, ...c(limit), LT_S, BR_IF, 0];

const body = [
  1, 7, 0x7f, // 7 locals of i32
  LOOP, VOID, // rounds
  ...c(0), SET, I,
  LOOP, VOID, ...storeByte(I, 1), ...next(I, N), END,
  ...c(0), SET, P, ...c(2), SET, I,
  LOOP, VOID,
  ...lookup(I), IF, VOID, ...host, LOAD8U, 0, 0, SET, V, ELSE, CALL, 0, SET, V, END,
  GET, V, IF, VOID,
  GET, P, ...c(1), ADD, SET, P,
  GET, I, ...c(1), SHL, SET, J,
  BLOCK, VOID, LOOP, VOID,
  GET, J, ...c(N), GE_S, BR_IF, 1,
  ...storeByte(J, 0),
  GET, J, GET, I, ADD, SET, J, BR, 0,
  END, END,
  END,
  ...next(I, N), END,
  ...next(R, ROUNDS), END,
  GET, P, END,
];

const str = (s: string): number[] => [...uleb128(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];

/** A module exporting the loop as `sieve`; a custom section with a serial number makes its bytes unique. */
function wasmModuleBytes(): Uint8Array {
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...wasmSection(0, [...str('serial'), ...uleb128(serial++)]),
    ...wasmSection(1, [1, 0x60, 0, 1, 0x7f]),
    ...wasmSection(2, [2, ...str('e'), ...str('m'), 0x02, 0x03, PAGES, PAGES, ...str('e'), ...str('miss'), 0x00, 0]),
    ...wasmSection(3, [1, 0]),
    ...wasmSection(7, [1, ...str('sieve'), 0x00, 1]),
    ...wasmSection(10, [1, ...uleb128(body.length), ...body]),
  ]);
}

function wasmSieve(): () => number {
  const inst = new wasm.Instance(new wasm.Module(wasmModuleBytes()), { e: { m: memory, miss } });
  return inst.exports.sieve as () => number;
}

const PRIMES_BELOW_N = 2262;

/** Times `fn`, checking the answer. */
function timed(fn: () => number): number {
  const t0 = performance.now();
  const primes = fn();
  const ms = performance.now() - t0;
  if (primes !== PRIMES_BELOW_N) throw new Error(`the sieve found ${primes} primes, not ${PRIMES_BELOW_N}`);
  return ms;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const cases: BenchCase[] = [
  {
    id: 'tcg/loop-wasm-vs-js',
    run: () => {
      const jsCold: number[] = [];
      const wasmCold: number[] = [];
      let jsWarm = Infinity;
      let wasmWarm = Infinity;
      for (let k = 0; k < 5; k++) {
        // Cold: new code, its first call (for wasm, compiling and instantiating too).
        const t0 = performance.now();
        const w = wasmSieve();
        wasmCold.push(performance.now() - t0 + timed(w));
        const j = jsSieve();
        jsCold.push(timed(j));
        // Warm: the same code again (wasm tiers up from Liftoff to TurboFan by calls).
        for (let n = 0; n < 6; n++) {
          wasmWarm = Math.min(wasmWarm, timed(w));
          jsWarm = Math.min(jsWarm, timed(j));
        }
      }
      return record({
        id: 'tcg/loop-wasm-vs-js',
        value: median(wasmCold),
        unit: 'ms',
        baseline: 'the same loop as a JavaScript block, first call',
        baselineValue: median(jsCold),
        note:
          `sieve ${ROUNDS}x${N} bytes, every access through the softmmu TLB check; medians of 5 cold first calls; ` +
          `warm best: wasm ${wasmWarm.toFixed(1)} ms, JavaScript ${jsWarm.toFixed(1)} ms (${(jsWarm / wasmWarm).toFixed(2)}x)`,
      });
    },
  },
];

export default cases;
