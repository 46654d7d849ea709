import * as fs from 'node:fs';
import { STATE_FILE, type HarnessState } from './paths';

/** The harness state global-setup wrote (platform URL, owner key, fauxqs endpoint). */
export function harness(): HarnessState {
  if (!fs.existsSync(STATE_FILE)) throw new Error(`${STATE_FILE} is missing: run the browser tests through their jest.config.js (its globalSetup starts the platform)`);
  return JSON.parse(fs.readFileSync(STATE_FILE, 'utf8')) as HarnessState;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly key: string,
  ) {}

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T = unknown>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T = unknown>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  /**
   * A new workspace and its owner key. Each scenario works in its own workspace, so the test
   * files neither depend on one another nor see each other's installs, accounts and flows.
   */
  async createWorkspace(name: string): Promise<ApiClient> {
    const created = await this.post<{ workspace: { id: string }; key: { key: string } }>('/api/v1/workspaces', { name });
    return new ApiClient(this.baseUrl, created.key.key);
  }
}

/** The owner key of workspace "Default" on the started platform. */
export function ownerApi(state = harness()): ApiClient {
  return new ApiClient(state.url, state.ownerKey);
}

/** SQS account values pointing at fauxqs (which accepts any credentials). */
export function fauxqsAccountValues(endpoint: string): Record<string, string> {
  return { accessKeyId: 'browser-tests', secretAccessKey: 'browser-tests-secret', region: 'us-east-1', endpoint };
}

export type SqsWorkspace = { api: ApiClient; accountId: string; accountName: string; version: string };

/** A new workspace with Amazon SQS installed and an account on fauxqs, made through the API (scenario 2 does it in the browser). */
export async function workspaceWithSqsAccount(label: string, state = harness()): Promise<SqsWorkspace> {
  const api = await ownerApi(state).createWorkspace(`${label} ${Date.now()}`);
  const install = await api.post<{ version: string }>('/api/v1/installs', { connector: 'amazon-sqs' });
  const accountName = 'fauxqs';
  const account = await api.post<{ id: string }>('/api/v1/accounts', { connector: 'amazon-sqs', name: accountName, values: fauxqsAccountValues(state.sqsEndpoint) });
  return { api, accountId: account.id, accountName, version: install.version };
}

export type TriggerStatus = { running: boolean; kind: string | null; version: number | null; error: string | null };
