import type { LogEntry } from '@flowport/sandbox';
import { Injectable } from '@nestjs/common';
import { ConnectorCallError, ConnectorGateway } from '../connectors/connector-gateway';
import type { StepDef } from '../flows/flow-definition';
import type { JsonValue } from '../stream-message';
import { evaluate, resolveTemplates } from './expressions';
import { codeStepBundle, httpStepBundle } from './platform-bundles';

export type RunContext = {
  trigger: { messages: Array<{ payload: JsonValue; externalId: string | null; meta: Record<string, JsonValue> }>; input?: JsonValue };
  steps: Record<string, JsonValue>;
};

export type StepOutcome = { input: JsonValue; output: JsonValue; logs: LogEntry[]; filtered?: boolean };

/** A step attempt's failure plus the logs it produced before failing. */
export class StepError extends Error {
  constructor(
    message: string,
    readonly logs: LogEntry[] = [],
  ) {
    super(message);
    this.name = 'StepError';
  }
}

/** Runs one attempt of one step. Connector, code and HTTP steps run in the sandbox; map and filter are JSONata on the host. */
@Injectable()
export class StepRunner {
  constructor(private readonly gateway: ConnectorGateway) {}

  async run(step: StepDef, context: RunContext, workspaceId: string, timeoutMs: number): Promise<StepOutcome> {
    switch (step.type) {
      case 'map': {
        const output = await withTimeout(evaluate(step.expression, context), timeoutMs, step.name);
        return { input: { expression: step.expression }, output, logs: [] };
      }
      case 'filter': {
        const value = await withTimeout(evaluate(step.condition, context), timeoutMs, step.name);
        const pass = value !== false && value !== null && value !== 0 && value !== '';
        return { input: { condition: step.condition }, output: pass, logs: [], filtered: !pass };
      }
      case 'action': {
        const props = (await resolveTemplates(step.inputs ?? {}, context)) as Record<string, JsonValue>;
        const connector = await this.gateway.load(step.connector, step.version);
        const account = await this.gateway.accountValues(workspaceId, step.account);
        return this.sandboxed(props, () =>
          this.gateway.call({ workspaceId, connector, op: 'action.run', target: step.action, account, props, timeoutMs }),
        );
      }
      case 'code': {
        const result = await this.gateway.sandbox.call({ bundle: codeStepBundle(step.code), op: 'action.run', input: context as unknown as JsonValue, timeoutMs, partition: workspaceId });
        if (!result.ok) throw new StepError(`Code step "${step.name}" failed: ${result.error.name}: ${result.error.message}`, result.logs);
        return { input: null, output: result.output as JsonValue, logs: result.logs };
      }
      case 'http': {
        const request = (await resolveTemplates(step.request as unknown as JsonValue, context)) as { method?: string; url?: JsonValue; headers?: Record<string, JsonValue>; body?: JsonValue };
        if (typeof request.url !== 'string') throw new StepError(`HTTP step "${step.name}": url must give a string (got ${JSON.stringify(request.url)})`);
        let host: string;
        try {
          host = new URL(request.url).hostname;
        } catch {
          throw new StepError(`HTTP step "${step.name}": "${request.url}" is not an absolute URL; write it like https://api.example.com/path`);
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(request.headers ?? {})) headers[k] = typeof v === 'string' ? v : JSON.stringify(v);
        const body = request.body === undefined || request.body === null ? undefined : typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
        if (body !== undefined && typeof request.body !== 'string' && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
        const sent = { method: (request.method ?? 'GET').toUpperCase(), url: request.url, headers, ...(body === undefined ? {} : { body }) };
        // The flow author chose this URL, so its host is the allowlist; the sandbox's SSRF guard still applies.
        const result = await this.gateway.sandbox.call({ bundle: httpStepBundle, op: 'action.run', input: sent, capabilities: { allowedHosts: [host] }, timeoutMs, partition: workspaceId });
        if (!result.ok) throw new StepError(`HTTP step "${step.name}": ${sent.method} ${sent.url} failed: ${result.error.message}`, result.logs);
        const response = result.output as { status: number; headers: Record<string, string>; body: string };
        const contentType = response.headers['content-type'] ?? '';
        let parsed: JsonValue = response.body;
        if (/json/i.test(contentType)) {
          try {
            parsed = JSON.parse(response.body) as JsonValue;
          } catch {
            // Keep the text: a server that mislabels its body should not fail the step.
          }
        }
        const output = { status: response.status, headers: response.headers, body: parsed };
        if (response.status >= 400) throw new StepError(`HTTP step "${step.name}": ${sent.method} ${sent.url} answered ${response.status}`, result.logs);
        return { input: sent as unknown as JsonValue, output, logs: result.logs };
      }
      default:
        throw new StepError(`Step "${(step as { name: string }).name}" has unknown type "${(step as { type: string }).type}"; use action, map, code, filter or http`);
    }
  }

  private async sandboxed(input: JsonValue, call: () => Promise<{ output: JsonValue; logs: LogEntry[] }>): Promise<StepOutcome> {
    try {
      const { output, logs } = await call();
      return { input, output, logs };
    } catch (error) {
      if (error instanceof ConnectorCallError) throw new StepError(error.message, error.logs);
      throw error;
    }
  }
}

/** Bounds host-side evaluation (JSONata awaits between steps, so a slow expression yields here). */
async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new StepError(`Step "${name}" did not finish within ${timeoutMs} ms; simplify the expression or raise timeoutMs`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
