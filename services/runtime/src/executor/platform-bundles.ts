import { integrityOf, type ConnectorBundle } from '@flowport/sandbox';

// Code and HTTP steps run in the same isolates as connector code: the platform wraps them into
// tiny bundles that follow the guest contract (docs/contracts.md section 1). Nothing of the
// user's JavaScript ever runs in the host's own context.

function manifestOf(name: string): string {
  return JSON.stringify({ manifestVersion: 1, name, version: '1.0.0', displayName: name, description: '', icon: '', categories: [], accounts: [], actions: [], triggers: [], capabilities: ['log'], allowedHosts: [], sdkVersion: '0' });
}

const codeBundles = new Map<string, ConnectorBundle>();

/** The user's function body, `input` (the run context) in scope, `ctx.log` for logging. */
export function codeStepBundle(code: string): ConnectorBundle {
  let bundle = codeBundles.get(code);
  if (!bundle) {
    const source = `(() => {
  const step = async function (input, ctx) {
    const log = ctx.log;
${code}
  };
  globalThis.__flowport__ = {
    manifest: ${manifestOf('flowport-code-step')},
    async invoke(request, ctx) {
      const value = await step(request.input, ctx);
      return value === undefined ? null : value;
    },
  };
})();`;
    bundle = { code: source, integrity: integrityOf(source) };
    if (codeBundles.size > 1000) codeBundles.clear();
    codeBundles.set(code, bundle);
  }
  return bundle;
}

const httpSource = `(() => {
  globalThis.__flowport__ = {
    manifest: ${manifestOf('flowport-http-step')},
    async invoke(request, ctx) {
      const r = request.input;
      return ctx.http.fetch(r.url, { method: r.method, headers: r.headers, body: r.body });
    },
  };
})();`;

/** Makes the request of an HTTP step through the sandbox's guarded `http` capability. */
export const httpStepBundle: ConnectorBundle = { code: httpSource, integrity: integrityOf(httpSource) };
