/** The CLI's view of the outside world, injectable so tests call `main(argv, io)` directly. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  env: Record<string, string | undefined>;
}

export const EXIT_OK = 0;
/** Validation, build or test failure. */
export const EXIT_FAILURE = 1;
/** Wrong command line or missing setup. */
export const EXIT_USAGE = 2;

/** An error the CLI reports as-is (no stack) with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
    readonly problems: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

/** Prints one line per phase with its duration, so slow steps are visible. */
export class Progress {
  private readonly started = performance.now();

  constructor(private readonly io: CliIo) {}

  async phase<T>(name: string, work: () => Promise<T> | T, detail?: (result: T) => string): Promise<T> {
    const t0 = performance.now();
    const result = await work();
    const ms = Math.round(performance.now() - t0);
    const extra = detail ? `  ${detail(result)}` : '';
    this.io.stdout(`  ${name.padEnd(10)} ${String(ms).padStart(5)} ms${extra}\n`);
    return result;
  }

  total(): number {
    return Math.round(performance.now() - this.started);
  }
}
