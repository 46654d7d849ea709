/**
 * SQS over its JSON protocol (`X-Amz-Target: AmazonSQS.<Action>`, `application/x-amz-json-1.0`),
 * signed with SigV4 and sent through `ctx.http`: actions run in the sandbox, which has no sockets.
 */
import type { GuestContext, JsonValue } from '@flowport/connector-sdk';
import { signRequest } from './sigv4';
import { parseUrl } from './url';

/** The account fields the client reads (the account's value type, kept here to avoid an import cycle). */
export interface SqsAccount {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  sessionToken?: string;
  endpoint?: string;
}

export class SqsError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'SqsError';
  }
}

/** The account's endpoint, or the regional AWS one. */
export function sqsEndpoint(account: SqsAccount): string {
  const custom = account.endpoint?.trim();
  if (custom) {
    if (!parseUrl(custom)) throw new Error(`Endpoint must be a URL like http://localhost:9324 (got ${JSON.stringify(custom)}); fix it in the account`);
    return custom.replace(/\/+$/, '') + '/';
  }
  return `https://sqs.${account.region}.amazonaws.com/`;
}

/** The queue's name from its URL (last path segment), for error messages. */
export function queueName(queueUrl: string): string {
  return queueUrl.split('/').filter(Boolean).pop() ?? queueUrl;
}

export async function sqsCall<T = Record<string, JsonValue>>(ctx: Pick<GuestContext, 'http'>, account: SqsAccount, action: string, input: Record<string, unknown>): Promise<T> {
  const url = sqsEndpoint(account);
  const body = JSON.stringify(input);
  const headers = signRequest(
    { method: 'POST', url, headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${action}` }, body },
    {
      service: 'sqs',
      region: account.region,
      credentials: { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey, sessionToken: account.sessionToken || undefined },
    },
  );
  const res = await ctx.http.fetch(url, { method: 'POST', headers, body });
  const parsed = parseJson(res.body);
  if (res.status >= 200 && res.status < 300) return (parsed ?? {}) as T;
  // Errors look like { "__type": "com.amazonaws.sqs#QueueDoesNotExist", "message": "..." }.
  const fault = (parsed ?? {}) as { __type?: string; message?: string; Message?: string };
  const code = (fault.__type ?? res.headers['x-amzn-query-error']?.split(';')[0] ?? `HTTP ${res.status}`).split('#').pop()!;
  const detail = fault.message ?? fault.Message ?? res.body.slice(0, 300);
  throw new SqsError(`SQS ${action} failed (${res.status} ${code}): ${detail}${hint(code)}`, code, res.status);
}

function hint(code: string): string {
  switch (code) {
    case 'QueueDoesNotExist':
    case 'NonExistentQueue':
      return '. Check the Queue URL and that the account region matches the queue.';
    case 'InvalidClientTokenId':
    case 'SignatureDoesNotMatch':
    case 'UnrecognizedClientException':
      return '. Check the account\'s Access Key ID and Secret Access Key.';
    case 'AccessDenied':
    case 'AccessDeniedException':
      return '. Grant the IAM user this SQS permission on the queue.';
    default:
      return '';
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** SQS message attributes from a plain object: strings as String, numbers as Number. */
export function toMessageAttributes(values: JsonValue | undefined): Record<string, { DataType: string; StringValue: string }> | undefined {
  if (values === undefined || values === null) return undefined;
  if (typeof values !== 'object' || Array.isArray(values)) {
    throw new Error('Message Attributes must be an object like { "source": "shop", "priority": 2 }');
  }
  const out: Record<string, { DataType: string; StringValue: string }> = {};
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === 'number') out[name] = { DataType: 'Number', StringValue: String(value) };
    else if (typeof value === 'string') out[name] = { DataType: 'String', StringValue: value };
    else if (typeof value === 'boolean') out[name] = { DataType: 'String', StringValue: String(value) };
    else throw new Error(`Message Attributes: "${name}" must be a string, number or boolean (got ${value === null ? 'null' : typeof value})`);
  }
  if (Object.keys(out).length > 10) throw new Error(`Message Attributes: SQS allows at most 10 per message (got ${Object.keys(out).length})`);
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A message body: text as is, anything else as JSON. */
export function toBody(value: JsonValue | undefined): string {
  if (value === undefined || value === null) throw new Error('Message Body is required');
  return typeof value === 'string' ? value : JSON.stringify(value);
}
