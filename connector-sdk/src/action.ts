import type { AccountValue, AnyAccount } from './account';
import { propsSchema, type PropsMap, type PropsValue } from './props';
import type { ActionManifest, GuestContext, JsonValue } from './types';
import { checkName, checkText } from './names';

export interface ActionContext<P extends PropsMap, A extends AnyAccount | undefined> extends GuestContext {
  props: PropsValue<P>;
  account: AccountValue<A>;
}

export interface ActionInput<P extends PropsMap, A extends AnyAccount | undefined> {
  /** Identifier inside the connector (kebab-case), stable across versions. */
  name: string;
  displayName: string;
  description?: string;
  account?: A;
  props?: P;
  /** Example output shown in the flow designer before a first run. */
  sampleOutput?: JsonValue;
  /** The step's work; its result (made plain JSON) is the step's output. */
  run(ctx: ActionContext<P, A>): Promise<unknown> | unknown;
}

export interface ActionDefinition<P extends PropsMap = PropsMap, A extends AnyAccount | undefined = AnyAccount | undefined> {
  readonly type: 'action';
  readonly name: string;
  readonly displayName: string;
  readonly account: A;
  readonly props: P;
  readonly run: (ctx: ActionContext<P, A>) => Promise<unknown> | unknown;
  readonly manifest: ActionManifest;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAction = ActionDefinition<any, any>;

export function defineAction<P extends PropsMap = Record<never, never>, A extends AnyAccount | undefined = undefined>(
  def: ActionInput<P, A>,
): ActionDefinition<P, A> {
  checkName('Action', def?.name);
  checkText(`Action "${def.name}"`, 'displayName', def.displayName);
  if (typeof def.run !== 'function') throw new Error(`Action "${def.name}" needs a run(ctx) function`);
  const props = (def.props ?? {}) as P;
  const manifest: ActionManifest = {
    name: def.name,
    displayName: def.displayName,
    description: def.description ?? '',
    account: def.account?.name ?? null,
    props: propsSchema(props),
  };
  if (def.sampleOutput !== undefined) manifest.sampleOutput = def.sampleOutput;
  return { type: 'action', name: def.name, displayName: def.displayName, account: def.account as A, props, run: def.run, manifest };
}
