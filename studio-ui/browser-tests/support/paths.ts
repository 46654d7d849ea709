import * as path from 'node:path';

/** The repository root (studio-ui/browser-tests/support -> ../../..). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
/** Everything the browser tests write: gitignored. */
export const OUTPUT_DIR = path.resolve(__dirname, '..', 'output');
/** The platform URL, owner key and fauxqs endpoint, written by global-setup for the test files. */
export const STATE_FILE = path.join(OUTPUT_DIR, 'harness', 'state.json');
/** The studio is built here (not into studio-ui/dist, which other people rebuild while we run). */
export const STUDIO_BUILD_DIR = path.join(OUTPUT_DIR, 'harness', 'studio');

export type HarnessState = {
  /** Base URL of the started platform, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Owner key of workspace "Default", read from the platform's first-start output. */
  ownerKey: string;
  /** fauxqs (SQS wire protocol) base URL, loopback. */
  sqsEndpoint: string;
  /** Where the platform's output goes (for debugging a failure). */
  platformLog: string;
};
