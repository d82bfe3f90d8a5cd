/** A minimal RV32 ELF executable for tests: `words` loaded at 0x80000000, entry there. */
export function elfOf(words: readonly number[], extraBytes = 0): Uint8Array {
  const code = words.length * 4;
  const out = new Uint8Array(0x1000 + code);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  dv.setUint16(16, 2, true); // ET_EXEC
  dv.setUint16(18, 243, true); // EM_RISCV
  dv.setUint32(20, 1, true);
  dv.setUint32(24, 0x80000000, true);
  dv.setUint32(28, 52, true); // phoff
  dv.setUint16(40, 52, true);
  dv.setUint16(42, 32, true);
  dv.setUint16(44, 1, true);
  dv.setUint32(52, 1, true); // PT_LOAD
  dv.setUint32(56, 0x1000, true);
  dv.setUint32(60, 0x80000000, true);
  dv.setUint32(64, 0x80000000, true);
  dv.setUint32(68, code, true);
  dv.setUint32(72, code + extraBytes, true);
  dv.setUint32(76, 7, true);
  words.forEach((w, k) => dv.setUint32(0x1000 + k * 4, w >>> 0, true));
  return out;
}
