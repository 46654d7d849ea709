import { integrityOf, type ConnectorBundle } from '../src';

/**
 * Builds a bundle the way docs/contracts.md section 1 describes the SDK's output: one script
 * that sets globalThis.__flowport__ = { manifest, invoke }. Each action is the source of an
 * `async (input, ctx) => ...` function; `invoke` routes `action.run` by target.
 */
export function bundleOf(actions: Record<string, string>, prologue = ''): ConnectorBundle {
  const entries = Object.entries(actions)
    .map(([name, source]) => `${JSON.stringify(name)}: (${source})`)
    .join(',\n');
  const manifest = {
    name: 'test-connector',
    version: '1.0.0',
    actions: Object.keys(actions).map((name) => ({ name })),
    triggers: [],
  };
  const code = `(() => {
${prologue}
const actions = {
${entries}
};
globalThis.__flowport__ = {
  manifest: ${JSON.stringify(manifest)},
  async invoke(request, ctx) {
    const action = actions[request.target];
    if (!action) throw new Error('no action named ' + request.target);
    return action(request.input, ctx);
  },
};
})();`;
  return { code, integrity: integrityOf(code) };
}
