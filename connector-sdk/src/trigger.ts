/**
 * Trigger definitions: stream (a platform driver holds the broker connection, the connector
 * maps messages), pooling (the connector polls on an interval) and webhook (the platform
 * receives calls, the connector turns a request into payloads). Every trigger gets the
 * standard Batch Size and External ID props so all connectors name them the same.
 */
import type { AccountValue, AnyAccount } from './account';
import { checkName, checkText } from './names';
import { Property, propsSchema, type PropsMap, type PropsValue } from './props';
import type {
  DriverConfigs,
  GuestContext,
  JsonValue,
  StreamDriver,
  StreamMessage,
  TriggerKind,
  TriggerManifest,
  WebhookRequest,
  WebhookSignature,
} from './types';

/** What the External ID prop says in a trigger's form: its "empty" case differs by trigger kind. */
export const EXTERNAL_ID_DESCRIPTIONS: Readonly<Record<TriggerKind, string>> = {
  stream: "An expression over one message, e.g. payload.orderId, headers.x-id or attributes.MessageId; empty = the broker's own message id",
  pooling: "An expression over one polled item, e.g. payload.id or payload.updatedAt; empty = the item's id as the trigger reads it",
  webhook:
    "An expression over one item of the call, e.g. payload.id or headers.x-delivery-id; empty = the item's own id when the trigger gives one, else every item starts a run",
};
/** The stream trigger's text (the External ID prop's default description). */
export const EXTERNAL_ID_DESCRIPTION = EXTERNAL_ID_DESCRIPTIONS.stream;

/** The props every trigger gets from the SDK. A connector must not define these names itself. */
export const standardTriggerProps = {
  batchSize: Property.Number({
    displayName: 'Batch Size',
    description: 'How many messages one run receives (1-1000)',
    integer: true,
    min: 1,
    max: 1000,
    defaultValue: 1,
  }),
  externalId: Property.ShortText({ displayName: 'External ID', description: EXTERNAL_ID_DESCRIPTION }),
};
export type StandardTriggerProps = typeof standardTriggerProps;
export const STANDARD_TRIGGER_PROP_NAMES = Object.keys(standardTriggerProps) as (keyof StandardTriggerProps)[];

/** Props a connector declares for a trigger: the standard names are reserved. */
export type TriggerProps = PropsMap & { batchSize?: never; externalId?: never };

export interface TriggerContext<P extends PropsMap, A extends AnyAccount | undefined> extends GuestContext {
  props: PropsValue<P & StandardTriggerProps>;
  account: AccountValue<A>;
}

export interface PollContext<P extends PropsMap, A extends AnyAccount | undefined> extends TriggerContext<P, A> {
  /** ISO time of the previous successful poll, null on the first one. */
  lastPollAt: string | null;
}

export interface MapResult {
  payload: unknown;
  /** Short text labels recorded with the run (searchable in Executions). */
  labels?: Record<string, string>;
}

interface TriggerBase<P extends TriggerProps, A extends AnyAccount | undefined> {
  name: string;
  displayName: string;
  description?: string;
  account?: A;
  props?: P;
  /** One example item as a flow receives it; the designer shows it before a first run. */
  sampleData?: JsonValue;
  /** Returns recent items without consuming them (no cursor moves, no acks). */
  test?(ctx: TriggerContext<P, A>): Promise<unknown[]> | unknown[];
}

export interface StreamTriggerInput<P extends TriggerProps, A extends AnyAccount | undefined, D extends StreamDriver>
  extends TriggerBase<P, A> {
  kind: 'stream';
  driver: D;
  /** Maps props and account to the platform driver's settings (op `trigger.config`). */
  config(ctx: TriggerContext<P, A>): Promise<DriverConfigs[D]> | DriverConfigs[D];
  /** Turns one broker message into the run's payload (op `trigger.map`); default: the body. */
  map?(message: StreamMessage, ctx: TriggerContext<P, A>): Promise<MapResult> | MapResult;
}

export interface PoolingTriggerInput<P extends TriggerProps, A extends AnyAccount | undefined> extends TriggerBase<P, A> {
  kind: 'pooling';
  /** New items since the last poll; keep the cursor in `ctx.store` (op `trigger.poll`). */
  poll(ctx: PollContext<P, A>): Promise<unknown[]> | unknown[];
  /** Path of each item's id used for de-duplication when External ID is empty. Default "id". */
  itemIdPath?: string;
  /** Poll interval in seconds: default 60, minimum 5 unless stated. */
  intervalSeconds?: { default?: number; min?: number };
}

export interface WebhookTriggerInput<P extends TriggerProps, A extends AnyAccount | undefined> extends TriggerBase<P, A> {
  kind: 'webhook';
  /**
   * Turns one call into payloads (op `trigger.webhook`). Return an array for several items (to
   * emit one list payload, wrap it: `[list]`), nothing to ignore the call. Each item starts its
   * own run; items the flow de-duplicates (External ID or `itemIdPath`) go into runs of up to
   * the flow's Batch Size.
   */
  handle(request: WebhookRequest, ctx: TriggerContext<P, A>): Promise<unknown> | unknown;
  /** Signature check the platform performs before calling `handle`. */
  signature?: Partial<Omit<WebhookSignature, 'header' | 'secretProp'>> & Pick<WebhookSignature, 'header' | 'secretProp'>;
  /**
   * Path of each returned item's own id (e.g. "id" of a sender's event, "data.eventId"): a flow
   * whose External ID is empty de-duplicates the items by it, so a sender's retry starts nothing.
   * No default: without it (and without an External ID on the flow) every item starts a run.
   */
  itemIdPath?: string;
}

interface TriggerDefinitionBase<P extends PropsMap, A extends AnyAccount | undefined> {
  readonly type: 'trigger';
  readonly name: string;
  readonly displayName: string;
  readonly account: A;
  /** Connector props plus the standard ones. */
  readonly props: P & StandardTriggerProps;
  readonly test?: (ctx: TriggerContext<P, A>) => Promise<unknown[]> | unknown[];
  readonly manifest: TriggerManifest;
}

export interface StreamTriggerDefinition<P extends PropsMap = PropsMap, A extends AnyAccount | undefined = AnyAccount | undefined, D extends StreamDriver = StreamDriver>
  extends TriggerDefinitionBase<P, A> {
  readonly kind: 'stream';
  readonly driver: D;
  readonly config: (ctx: TriggerContext<P, A>) => Promise<DriverConfigs[D]> | DriverConfigs[D];
  readonly map: (message: StreamMessage, ctx: TriggerContext<P, A>) => Promise<MapResult> | MapResult;
}
export interface PoolingTriggerDefinition<P extends PropsMap = PropsMap, A extends AnyAccount | undefined = AnyAccount | undefined>
  extends TriggerDefinitionBase<P, A> {
  readonly kind: 'pooling';
  readonly poll: (ctx: PollContext<P, A>) => Promise<unknown[]> | unknown[];
}
export interface WebhookTriggerDefinition<P extends PropsMap = PropsMap, A extends AnyAccount | undefined = AnyAccount | undefined>
  extends TriggerDefinitionBase<P, A> {
  readonly kind: 'webhook';
  readonly handle: (request: WebhookRequest, ctx: TriggerContext<P, A>) => Promise<unknown> | unknown;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export type AnyTrigger =
  | StreamTriggerDefinition<any, any, StreamDriver>
  | PoolingTriggerDefinition<any, any>
  | WebhookTriggerDefinition<any, any>;
/* eslint-enable @typescript-eslint/no-explicit-any */

const DRIVERS: readonly StreamDriver[] = ['amqp', 'sqs', 'kafka'];
const KINDS: readonly TriggerKind[] = ['stream', 'pooling', 'webhook'];

export function defineTrigger<P extends TriggerProps = Record<never, never>, A extends AnyAccount | undefined = undefined, D extends StreamDriver = StreamDriver>(
  def: StreamTriggerInput<P, A, D>,
): StreamTriggerDefinition<P, A, D>;
export function defineTrigger<P extends TriggerProps = Record<never, never>, A extends AnyAccount | undefined = undefined>(
  def: PoolingTriggerInput<P, A>,
): PoolingTriggerDefinition<P, A>;
export function defineTrigger<P extends TriggerProps = Record<never, never>, A extends AnyAccount | undefined = undefined>(
  def: WebhookTriggerInput<P, A>,
): WebhookTriggerDefinition<P, A>;
export function defineTrigger(
  def: StreamTriggerInput<TriggerProps, AnyAccount | undefined, StreamDriver> | PoolingTriggerInput<TriggerProps, AnyAccount | undefined> | WebhookTriggerInput<TriggerProps, AnyAccount | undefined>,
): AnyTrigger {
  checkName('Trigger', def?.name);
  const owner = `Trigger "${def.name}"`;
  checkText(owner, 'displayName', def.displayName);
  if (!KINDS.includes(def.kind)) {
    throw new Error(`${owner}: kind must be stream, pooling or webhook (got ${JSON.stringify(def.kind)})`);
  }
  const own = (def.props ?? {}) as PropsMap;
  for (const reserved of STANDARD_TRIGGER_PROP_NAMES) {
    if (Object.prototype.hasOwnProperty.call(own, reserved)) {
      throw new Error(
        `${owner}: prop "${reserved}" is a standard prop every trigger gets from the SDK (${standardTriggerProps[reserved].displayName}); remove it from props`,
      );
    }
  }
  const props = { ...own, ...standardTriggerProps };
  const manifest: TriggerManifest = {
    name: def.name,
    displayName: def.displayName,
    description: def.description ?? '',
    kind: def.kind,
    account: def.account?.name ?? null,
    props: propsSchema(props),
    test: typeof def.test === 'function',
  };
  if (def.sampleData !== undefined) manifest.sampleData = def.sampleData;
  for (const name of STANDARD_TRIGGER_PROP_NAMES) manifest.props.properties[name]['x-flowport-standard'] = true;
  manifest.props.properties.externalId.description = EXTERNAL_ID_DESCRIPTIONS[def.kind];
  const base = { type: 'trigger' as const, name: def.name, displayName: def.displayName, account: def.account, props, test: def.test, manifest };

  switch (def.kind) {
    case 'stream': {
      if (!DRIVERS.includes(def.driver)) {
        throw new Error(`${owner}: a stream trigger must name its driver: amqp, sqs or kafka (got ${JSON.stringify(def.driver)})`);
      }
      if (typeof def.config !== 'function') throw new Error(`${owner}: a stream trigger needs config(ctx) returning the ${def.driver} driver settings`);
      if (def.map !== undefined && typeof def.map !== 'function') throw new Error(`${owner}: map must be a function (message, ctx) => { payload }`);
      manifest.stream = { driver: def.driver, map: typeof def.map === 'function' };
      return { ...base, kind: 'stream', driver: def.driver, config: def.config, map: def.map ?? ((message: StreamMessage) => ({ payload: message.body })) };
    }
    case 'pooling': {
      if (typeof def.poll !== 'function') throw new Error(`${owner}: a pooling trigger needs poll(ctx) returning new items`);
      const min = def.intervalSeconds?.min ?? 5;
      const dflt = def.intervalSeconds?.default ?? Math.max(60, min);
      if (!Number.isInteger(min) || min < 1) throw new Error(`${owner}: intervalSeconds.min must be a whole number of seconds >= 1 (got ${min})`);
      if (!Number.isInteger(dflt) || dflt < min) {
        throw new Error(`${owner}: intervalSeconds.default must be a whole number >= intervalSeconds.min (${min}) (got ${dflt})`);
      }
      const itemIdPath = def.itemIdPath ?? 'id';
      if (typeof itemIdPath !== 'string' || itemIdPath === '') throw new Error(`${owner}: itemIdPath must be a path like "id" or "data.id"`);
      manifest.pooling = { itemIdPath, intervalSeconds: { default: dflt, min } };
      return { ...base, kind: 'pooling', poll: def.poll };
    }
    case 'webhook': {
      if (typeof def.handle !== 'function') throw new Error(`${owner}: a webhook trigger needs handle(request, ctx) returning the payload(s)`);
      let signature: WebhookSignature | null = null;
      if (def.signature) {
        const secret = own[def.signature.secretProp];
        if (!secret || !secret.secret) {
          throw new Error(
            `${owner}: signature.secretProp "${def.signature.secretProp}" must name one of the trigger's Property.Secret props`,
          );
        }
        if (typeof def.signature.header !== 'string' || def.signature.header === '') throw new Error(`${owner}: signature.header is required`);
        signature = {
          header: def.signature.header.toLowerCase(),
          algorithm: def.signature.algorithm ?? 'hmac-sha256',
          encoding: def.signature.encoding ?? 'hex',
          prefix: def.signature.prefix ?? '',
          secretProp: def.signature.secretProp,
        };
      }
      if (def.itemIdPath !== undefined && (typeof def.itemIdPath !== 'string' || def.itemIdPath === '')) {
        throw new Error(`${owner}: itemIdPath must be a path like "id" or "data.eventId" (got ${JSON.stringify(def.itemIdPath)})`);
      }
      manifest.webhook = def.itemIdPath === undefined ? { signature } : { signature, itemIdPath: def.itemIdPath };
      return { ...base, kind: 'webhook', handle: def.handle };
    }
  }
}
