/**
 * The root of memvisor's typed errors, shared by every package: each concrete
 * error has a stable, machine-readable `kind` (e.g. `"alias-cycle"`) and a
 * `name` that is its own class name, so logs and `--json` replies say which
 * failure it was without parsing the message.
 */
export abstract class MemvisorError extends Error {
  /** A stable, machine-readable kind, e.g. `"alias-cycle"`. */
  abstract readonly kind: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
