import { ConfigError } from '@flowport/core';
import { startPlatform } from './platform';

async function main(): Promise<void> {
  const started = performance.now();
  process.stdout.write(`Flowport starting (pid ${process.pid})\n`);
  const platform = await startPlatform();
  process.stdout.write(`Started in ${Math.round(performance.now() - started)} ms\n`);
  // Not app.enableShutdownHooks(): Nest's handler re-raises the signal after closing (exit 143)
  // and has no time bound. This one runs the same Nest shutdown hooks through app.close(),
  // bounded by FLOWPORT_SHUTDOWN_TIMEOUT_MS, and exits 0 when everything finished in time.
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const t0 = performance.now();
    process.stdout.write(`${signal}: stopping Flowport (at most ${platform.config.shutdownTimeoutMs} ms)\n`);
    platform.stop().then(
      (clean) => {
        if (clean) {
          process.stdout.write(`Stopped in ${Math.round(performance.now() - t0)} ms\n`);
          process.exit(0);
        }
        // Unacked messages go back to their brokers when the connections drop and claimed runs
        // are taken up by another replica after the claim TTL, so exiting now loses nothing.
        process.stderr.write(`Shutdown did not finish within FLOWPORT_SHUTDOWN_TIMEOUT_MS=${platform.config.shutdownTimeoutMs}; exiting with work handed back to the brokers and other replicas\n`);
        process.exit(1);
      },
      (err: unknown) => {
        process.stderr.write(`Shutdown failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`Flowport cannot start. ${err.message}\n`);
  } else {
    process.stderr.write(`Flowport failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
});
