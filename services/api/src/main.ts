import { ConfigError } from '@flowport/core';
import { startPlatform } from './platform';

async function main(): Promise<void> {
  const started = performance.now();
  process.stdout.write(`Flowport starting (pid ${process.pid})\n`);
  const platform = await startPlatform();
  process.stdout.write(`Started in ${Math.round(performance.now() - started)} ms\n`);
  const shutdown = (signal: string) => {
    process.stdout.write(`${signal}: stopping Flowport\n`);
    platform.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`Shutdown failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`Flowport cannot start. ${err.message}\n`);
  } else {
    process.stderr.write(`Flowport failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
});
