/** Entry point of the `memvisor` command; returns the process exit status. */
export async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  process.stderr.write(`memvisor: unknown command ${command ?? '(none)'}\nusage: memvisor mtree SPEC.json [-f]\n`);
  return 2;
}
