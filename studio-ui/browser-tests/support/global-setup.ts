import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ApiClient } from './api';
import { startFauxqs, type FauxqsServer } from './fauxqs';
import { OUTPUT_DIR, REPO_ROOT, STATE_FILE, STUDIO_BUILD_DIR, type HarnessState } from './paths';
import { startPlatform, type StartedPlatform } from './platform';
import { buildStudio } from './studio-build';

const run = promisify(execFile);

export type Harness = { fauxqs?: FauxqsServer; platform?: StartedPlatform };
const g = globalThis as typeof globalThis & { __flowportBrowserTests?: Harness };

function log(line: string): void {
  process.stdout.write(`[browser-tests] ${line}\n`);
}

/**
 * The built-in connectors are published and installed into "Default" by the platform's seeding on
 * start. When seeding did not publish Amazon SQS, publish it here the way a developer would: the
 * SDK CLI (`flowport connector publish`) with a workspace key.
 */
async function ensureAmazonSqsPublished(state: HarnessState): Promise<void> {
  const owner = new ApiClient(state.url, state.ownerKey);
  const res = await fetch(`${state.url}/api/v1/registry/connectors/amazon-sqs`, { headers: { authorization: `Bearer ${state.ownerKey}` } });
  if (res.ok) {
    log('amazon-sqs is in the registry (seeded by the platform)');
    return;
  }
  log(`amazon-sqs is not in the registry (${res.status}): publishing it with the SDK CLI`);
  const publisher = await owner.createWorkspace('Browser tests publisher');
  const cli = path.join(REPO_ROOT, 'connector-sdk', 'bin', 'flowport.js');
  const dir = path.join(REPO_ROOT, 'connectors', 'amazon-sqs');
  if (!fs.existsSync(path.join(dir, 'dist', 'integrity.txt'))) await run(process.execPath, [cli, 'connector', 'build', '--dir', dir], { maxBuffer: 16 << 20 });
  await run(process.execPath, [cli, 'connector', 'publish', '--dir', dir, '--registry', state.url, '--token', publisher.key], { maxBuffer: 16 << 20 }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`flowport connector publish failed: ${err.stdout ?? ''}${err.stderr ?? err.message}`);
  });
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const harnessDir = path.dirname(STATE_FILE);
  fs.mkdirSync(harnessDir, { recursive: true });
  fs.rmSync(STATE_FILE, { force: true });
  const h: Harness = {};
  g.__flowportBrowserTests = h;
  // Development: point the tests at a platform and fauxqs you already run (its studio must be built).
  const reuse = process.env.BROWSER_TESTS_URL;
  if (reuse) {
    const key = process.env.BROWSER_TESTS_OWNER_KEY;
    const sqsEndpoint = process.env.BROWSER_TESTS_SQS_ENDPOINT;
    if (!key || !sqsEndpoint) throw new Error('BROWSER_TESTS_URL needs BROWSER_TESTS_OWNER_KEY and BROWSER_TESTS_SQS_ENDPOINT');
    const state: HarnessState = { url: reuse.replace(/\/+$/, ''), ownerKey: key, sqsEndpoint, platformLog: '(not started by the tests)' };
    await ensureAmazonSqsPublished(state);
    fs.writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
    log(`using the running platform at ${state.url}`);
    return;
  }
  try {
    const studioDir = await buildStudio(STUDIO_BUILD_DIR, log);
    h.fauxqs = await startFauxqs();
    log(`fauxqs at ${h.fauxqs.endpoint}`);
    const platformLog = path.join(OUTPUT_DIR, 'platform.log');
    // The start builds the backend packages first (incremental tsc): minutes on a busy machine.
    h.platform = await startPlatform({ studioDir, logFile: platformLog, timeoutMs: 15 * 60_000 });
    log(`platform at ${h.platform.url}`);
    const state: HarnessState = { url: h.platform.url, ownerKey: h.platform.ownerKey, sqsEndpoint: h.fauxqs.endpoint, platformLog };
    await ensureAmazonSqsPublished(state);
    fs.writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
    log(`ready in ${Math.round((Date.now() - started) / 1000)} s`);
  } catch (error) {
    await h.platform?.stop().catch(() => undefined);
    await h.fauxqs?.stop().catch(() => undefined);
    throw error;
  }
}
