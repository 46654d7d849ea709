/**
 * Type-level test: `tsc --noEmit` (npm run typecheck) fails if a prop's or account's type does
 * not flow into run/poll/map/config, or if a wrong use stops being an error. Jest runs the
 * same definitions so the file also proves they are valid at run time.
 */
import { createLocalContext, defineAccount, defineAction, defineTrigger, Property, type StreamMessage } from '../src';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(_proof?: T): void {}

const apiKey = defineAccount({ kind: 'secretText', name: 'apiKey', displayName: 'API key' });
const aws = defineAccount({
  kind: 'custom',
  name: 'aws',
  displayName: 'AWS',
  props: {
    accessKeyId: Property.ShortText({ displayName: 'Access key', required: true }),
    secretAccessKey: Property.Secret({ displayName: 'Secret', required: true }),
    region: Property.ShortText({ displayName: 'Region', defaultValue: 'us-east-1' }),
    sessionToken: Property.Secret({ displayName: 'Session token' }),
  },
});

const action = defineAction({
  name: 'typed',
  displayName: 'Typed',
  account: apiKey,
  props: {
    queueUrl: Property.ShortText({ displayName: 'Queue URL', required: true }),
    note: Property.LongText({ displayName: 'Note' }),
    size: Property.Number({ displayName: 'Size', defaultValue: 3 }),
    flag: Property.Boolean({ displayName: 'Flag', required: true }),
    mode: Property.StaticSelect({ displayName: 'Mode', options: [{ label: 'A', value: 'a' }, { label: 'B', value: 'b' }], required: true }),
    level: Property.StaticSelect({ displayName: 'Level', options: [{ label: 'One', value: 1 }, { label: 'Two', value: 2 }] }),
    data: Property.Json({ displayName: 'Data', required: true }),
    when: Property.DateTime({ displayName: 'When' }),
    queue: Property.DynamicSelect({
      displayName: 'Queue',
      account: apiKey,
      options: async (ctx) => {
        assertType<Equals<typeof ctx.account, { secret: string }>>();
        return [{ label: 'x', value: ctx.account.secret }];
      },
    }),
  },
  run(ctx) {
    assertType<Equals<typeof ctx.props.queueUrl, string>>();
    assertType<Equals<typeof ctx.props.note, string | undefined>>();
    assertType<Equals<typeof ctx.props.size, number>>();
    assertType<Equals<typeof ctx.props.flag, boolean>>();
    assertType<Equals<typeof ctx.props.mode, 'a' | 'b'>>();
    assertType<Equals<typeof ctx.props.level, 1 | 2 | undefined>>();
    assertType<Equals<typeof ctx.props.when, string | undefined>>();
    assertType<Equals<typeof ctx.props.queue, string | undefined>>();
    assertType<Equals<typeof ctx.account, { secret: string }>>();
    // @ts-expect-error a text prop is not a number
    const wrong: number = ctx.props.queueUrl;
    // @ts-expect-error optional props may be undefined
    const notSure: string = ctx.props.note;
    // @ts-expect-error no such prop
    void ctx.props.queueName;
    // @ts-expect-error a secretText account has only `secret`
    void ctx.account.password;
    return { wrong, notSure, url: ctx.props.queueUrl.toUpperCase(), size: ctx.props.size + 1 };
  },
});

const noAccount = defineAction({
  name: 'no-account',
  displayName: 'No account',
  run(ctx) {
    assertType<Equals<typeof ctx.account, undefined>>();
    assertType<Equals<typeof ctx.props, Record<never, never>>>();
    return ctx.account ?? null;
  },
});

const stream = defineTrigger({
  kind: 'stream',
  name: 'listen',
  displayName: 'Listen',
  account: aws,
  driver: 'sqs',
  props: { queueUrl: Property.ShortText({ displayName: 'Queue URL', required: true }) },
  config(ctx) {
    assertType<Equals<typeof ctx.account.region, string>>();
    assertType<Equals<typeof ctx.account.sessionToken, string | undefined>>();
    assertType<Equals<typeof ctx.props.batchSize, number>>();
    assertType<Equals<typeof ctx.props.externalId, string | undefined>>();
    return { queueUrl: ctx.props.queueUrl, region: ctx.account.region };
  },
  map(message, ctx) {
    assertType<Equals<typeof message, StreamMessage>>();
    assertType<Equals<typeof ctx.props.queueUrl, string>>();
    return { payload: message.body, labels: { queue: ctx.props.queueUrl } };
  },
});

// @ts-expect-error an SQS driver config needs queueUrl and region
defineTrigger({ kind: 'stream', name: 'bad-config', displayName: 'Bad', driver: 'sqs', config: () => ({ queue: 'x' }) });

const pooling = defineTrigger({
  kind: 'pooling',
  name: 'poll',
  displayName: 'Poll',
  props: { limit: Property.Number({ displayName: 'Limit', integer: true, required: true }) },
  async poll(ctx) {
    assertType<Equals<typeof ctx.lastPollAt, string | null>>();
    assertType<Equals<typeof ctx.props.limit, number>>();
    assertType<Equals<typeof ctx.account, undefined>>();
    await ctx.store.set('cursor', ctx.props.limit);
    return [];
  },
});

// @ts-expect-error externalId is a standard prop the SDK adds
void (() => defineTrigger({
  kind: 'pooling',
  name: 'reserved',
  displayName: 'Reserved',
  props: { externalId: Property.ShortText({ displayName: 'Mine' }) },
  poll: () => [],
}));

const wrongUses = [
  // @ts-expect-error required must be a boolean
  () => Property.ShortText({ displayName: 'X', required: 'yes' }),
  // @ts-expect-error a number prop's default is a number
  () => Property.Number({ displayName: 'X', defaultValue: '3' }),
  // @ts-expect-error a static select's default is one of its option values
  () => Property.StaticSelect({ displayName: 'X', options: [{ label: 'A', value: 'a' }], defaultValue: 'z' }),
];

describe('typed context', () => {
  it('hands the declared props, defaults and account to run(ctx)', async () => {
    const out = await action.run({
      ...createLocalContext(),
      props: { queueUrl: 'q', note: undefined, size: 3, flag: true, mode: 'a', level: undefined, data: {}, when: undefined, queue: undefined },
      account: { secret: 's' },
    });
    expect(out).toEqual({ wrong: 'q', notSure: undefined, url: 'Q', size: 4 });
    expect(noAccount.manifest.account).toBeNull();
    expect(stream.manifest.stream).toEqual({ driver: 'sqs', map: true });
    expect(pooling.manifest.pooling?.itemIdPath).toBe('id');
  });

  it('the wrong uses the compiler rejects also fail at run time', () => {
    expect(() => wrongUses[1]()).toThrow('Prop "X": default value must be a number (got "3")');
    expect(() => wrongUses[2]()).toThrow('Prop "X": default value must be one of "a" (got "z")');
  });
});
