import * as fs from 'node:fs';
import type { Harness } from './global-setup';
import { STATE_FILE } from './paths';

export default async function globalTeardown(): Promise<void> {
  const h = (globalThis as typeof globalThis & { __flowportBrowserTests?: Harness }).__flowportBrowserTests;
  await h?.platform?.stop().catch(() => undefined);
  await h?.fauxqs?.stop().catch(() => undefined);
  fs.rmSync(STATE_FILE, { force: true });
}
