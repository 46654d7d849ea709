/** Error data as it crosses the sandbox boundary in either direction: strings only. */
export interface SandboxErrorData {
  name: string;
  message: string;
  stack: string;
}

/**
 * An error the sandbox raises on the host side. `name` is the stable, machine-readable kind
 * (e.g. `SandboxTimeoutError`); the message says what happened and how to fix it.
 */
export class SandboxError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }

  toData(): SandboxErrorData {
    return { name: this.name, message: this.message, stack: `${this.name}: ${this.message}` };
  }
}

export function errorData(err: unknown): SandboxErrorData {
  if (err instanceof SandboxError) return err.toData();
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack ?? `${err.name}: ${err.message}` };
  return { name: 'Error', message: String(err), stack: `Error: ${String(err)}` };
}
