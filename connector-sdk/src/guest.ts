/**
 * The guest entry: what connector code imports when bundled for the sandbox (export condition
 * `flowport-guest`). Builders and invoke only: no Node APIs and no ajv, because the bundle runs
 * inside isolated-vm where only the JavaScript built-ins exist.
 */
export * from './types';
export { Property, propsSchema, resolveProps, PropsError, HOST_GRANT_KEYWORD } from './props';
export type {
  AnyProp,
  DynamicSelectOptions,
  JsonOptions,
  NumberOptions,
  OptionsContext,
  Prop,
  PropKind,
  PropsMap,
  PropsValue,
  PropValue,
  SelectOption,
  SelectOptions,
  TextOptions,
} from './props';
export { defineAccount, fetchClientCredentialsToken } from './account';
export type {
  AccountDefinition,
  AccountValidateContext,
  AccountValidateResult,
  AccountValue,
  AnyAccount,
  OAuth2ClientCredentialsValue,
} from './account';
export { defineAction } from './action';
export type { ActionContext, ActionDefinition, ActionInput, AnyAction } from './action';
export { defineTrigger, standardTriggerProps, STANDARD_TRIGGER_PROP_NAMES, EXTERNAL_ID_DESCRIPTION, EXTERNAL_ID_DESCRIPTIONS } from './trigger';
export type {
  AnyTrigger,
  MapResult,
  PollContext,
  PoolingTriggerDefinition,
  PoolingTriggerInput,
  StandardTriggerProps,
  StreamTriggerDefinition,
  StreamTriggerInput,
  TriggerContext,
  TriggerProps,
  WebhookTriggerDefinition,
  WebhookTriggerInput,
} from './trigger';
export { defineConnector, exposeConnector, isConnectorDefinition, InvokeError, SEMVER_PATTERN } from './connector';
export type { ConnectorDefinition, ConnectorInput } from './connector';
export { NAME_PATTERN } from './names';
export { SDK_VERSION } from './version';
