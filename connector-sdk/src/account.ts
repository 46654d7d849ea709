/**
 * Account (credential) definitions. Every kind stores its values as one flat object of fields;
 * the manifest lists which fields are secrets so the store service encrypts them.
 */
import { Property, propsSchema, resolveProps, type PropsMap, type PropsValue } from './props';
import type { AccountKind, AccountManifest, GuestContext } from './types';

export interface AccountValidateContext<V> extends GuestContext {
  account: V;
}

/** `validate` may throw, return false or `{ ok: false, message }` to reject the credentials. */
export type AccountValidateResult = void | boolean | { ok: true } | { ok: false; message: string };

export interface AccountDefinition<K extends AccountKind = AccountKind, V = unknown> {
  readonly kind: K;
  readonly name: string;
  readonly displayName: string;
  readonly description: string;
  readonly props: PropsMap;
  readonly validate?: (ctx: AccountValidateContext<V>) => Promise<AccountValidateResult> | AccountValidateResult;
  readonly manifest: AccountManifest;
  /** Phantom: the account's value type, never set at run time. */
  readonly __value?: V;
  /** Checks and completes raw account values (defaults applied); throws naming each problem. */
  resolve(input: unknown): V;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAccount = AccountDefinition<AccountKind, any>;

/** `ctx.account`'s type for an action or trigger using account `A` (undefined when none). */
export type AccountValue<A> = [A] extends [AccountDefinition<AccountKind, infer V>] ? V : undefined;

interface AccountBase<V> {
  name: string;
  displayName: string;
  description?: string;
  validate?: (ctx: AccountValidateContext<V>) => Promise<AccountValidateResult> | AccountValidateResult;
}

export type NoneAccountInput = AccountBase<Record<string, never>> & { kind: 'none' };
export type SecretTextAccountInput = AccountBase<{ secret: string }> & {
  kind: 'secretText';
  /** Label of the secret field, e.g. "API Key". */
  secretLabel?: string;
  secretDescription?: string;
};
export type BasicAccountInput = AccountBase<{ username: string; password: string }> & {
  kind: 'basic';
  usernameLabel?: string;
  passwordLabel?: string;
};
export type CustomAccountInput<P extends PropsMap> = AccountBase<PropsValue<P>> & { kind: 'custom'; props: P };
export type OAuth2ClientCredentialsValue = {
  clientId: string;
  clientSecret: string;
  tokenUrl: string;
  scope: string | undefined;
};
export type OAuth2ClientCredentialsInput = AccountBase<OAuth2ClientCredentialsValue> & {
  kind: 'oauth2ClientCredentials';
  /** The provider's token endpoint; when set users do not type it. */
  tokenUrl?: string;
  /** Default scope (space separated). */
  scope?: string;
};

const SLUG = /^[a-z][a-zA-Z0-9]*(?:[-_][a-zA-Z0-9]+)*$/;

export function defineAccount(def: NoneAccountInput): AccountDefinition<'none', Record<string, never>>;
export function defineAccount(def: SecretTextAccountInput): AccountDefinition<'secretText', { secret: string }>;
export function defineAccount(def: BasicAccountInput): AccountDefinition<'basic', { username: string; password: string }>;
export function defineAccount<P extends PropsMap>(def: CustomAccountInput<P>): AccountDefinition<'custom', PropsValue<P>>;
export function defineAccount(def: OAuth2ClientCredentialsInput): AccountDefinition<'oauth2ClientCredentials', OAuth2ClientCredentialsValue>;
export function defineAccount(
  def: NoneAccountInput | SecretTextAccountInput | BasicAccountInput | CustomAccountInput<PropsMap> | OAuth2ClientCredentialsInput,
): AnyAccount {
  if (!def || typeof def.name !== 'string' || !SLUG.test(def.name)) {
    throw new Error(`Account name ${JSON.stringify(def?.name)} is invalid: use letters, digits, - or _, starting with a lowercase letter (e.g. "apiKey")`);
  }
  let props: PropsMap;
  let oauth2: AccountManifest['oauth2'];
  switch (def.kind) {
    case 'none':
      props = {};
      break;
    case 'secretText':
      props = {
        secret: Property.Secret({ displayName: def.secretLabel ?? 'API Key', description: def.secretDescription, required: true }),
      };
      break;
    case 'basic':
      props = {
        username: Property.ShortText({ displayName: def.usernameLabel ?? 'Username', required: true }),
        password: Property.Secret({ displayName: def.passwordLabel ?? 'Password', required: true }),
      };
      break;
    case 'custom':
      if (!def.props || typeof def.props !== 'object' || Object.keys(def.props).length === 0) {
        throw new Error(`Account "${def.name}": a custom account needs props (its fields)`);
      }
      props = def.props;
      break;
    case 'oauth2ClientCredentials':
      props = {
        clientId: Property.ShortText({ displayName: 'Client ID', required: true }),
        clientSecret: Property.Secret({ displayName: 'Client Secret', required: true }),
        tokenUrl: Property.ShortText({ displayName: 'Token URL', required: true, defaultValue: def.tokenUrl }),
        scope: Property.ShortText({ displayName: 'Scope', description: 'Space-separated scopes', defaultValue: def.scope }),
      };
      oauth2 = { tokenUrl: def.tokenUrl ?? null, scope: def.scope ?? null };
      break;
    default:
      throw new Error(
        `Account "${(def as { name: string }).name}": unknown kind ${JSON.stringify((def as { kind: unknown }).kind)}; use none, secretText, basic, custom or oauth2ClientCredentials`,
      );
  }
  const manifest: AccountManifest = {
    name: def.name,
    displayName: def.displayName,
    description: def.description ?? '',
    kind: def.kind,
    props: propsSchema(props),
    secretFields: Object.entries(props)
      .filter(([, p]) => p.secret)
      .map(([n]) => n),
    validate: typeof def.validate === 'function',
  };
  if (oauth2) manifest.oauth2 = oauth2;
  return {
    kind: def.kind,
    name: def.name,
    displayName: def.displayName,
    description: def.description ?? '',
    props,
    validate: def.validate as AnyAccount['validate'],
    manifest,
    resolve: (input: unknown) => resolveProps(props, input, `Account "${def.name}"`),
  };
}

/**
 * Fetches an access token for an OAuth2 client-credentials account through `ctx.http` (the
 * sandbox has no other network path). Returns the token response's `access_token`.
 */
export async function fetchClientCredentialsToken(
  http: GuestContext['http'],
  account: OAuth2ClientCredentialsValue,
): Promise<string> {
  const form = [
    ['grant_type', 'client_credentials'],
    ['client_id', account.clientId],
    ['client_secret', account.clientSecret],
    ...(account.scope ? [['scope', account.scope]] : []),
  ]
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  const res = await http.fetch(account.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: form,
  });
  if (res.status < 200 || res.status >= 300) {
    throw new Error(`OAuth2 token request to ${account.tokenUrl} failed with HTTP ${res.status}: ${res.body.slice(0, 200)}`);
  }
  let token: unknown;
  try {
    token = (JSON.parse(res.body) as { access_token?: unknown }).access_token;
  } catch {
    throw new Error(`OAuth2 token response from ${account.tokenUrl} is not JSON`);
  }
  if (typeof token !== 'string') throw new Error(`OAuth2 token response from ${account.tokenUrl} has no access_token`);
  return token;
}
