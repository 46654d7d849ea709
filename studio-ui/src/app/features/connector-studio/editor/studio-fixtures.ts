import { SourceFiles, StudioBuild } from '../../../core/api/studio-models';

/** API-shaped data for the Connector Studio specs (what services/studio returns for the SDK template). */
export const templateFiles: SourceFiles = {
  'src/index.ts': [
    "import { defineConnector } from '@flowport/connector-sdk';",
    "import { getItem } from './lib/actions/get-item';",
    '',
    'export default defineConnector({',
    "  name: 'my-connector',",
    "  version: '0.1.0',",
    "  displayName: 'My Connector',",
    '  actions: [getItem],',
    '});',
    '',
  ].join('\n'),
  'src/lib/actions/get-item.ts': [
    "import { defineAction, Property } from '@flowport/connector-sdk';",
    'export const getItem = defineAction({',
    "  name: 'get-item',",
    "  displayName: 'Get Item',",
    "  props: { itemId: Property.ShortText({ displayName: 'Item ID', required: true }) },",
    '  async run(ctx) {',
    "    throw new Error('boom');",
    '  },',
    '});',
    '',
  ].join('\n'),
  'src/lib/triggers/new-items.ts': "export const newItems = defineTrigger({\n  name: 'new-items',\n  kind: 'pooling',\n});\n",
};

export function built(version = '0.1.0'): StudioBuild {
  return {
    manifest: {
      name: 'my-connector',
      version,
      displayName: 'My Connector',
      allowedHosts: ['api.example.com'],
      accounts: [
        {
          name: 'apiKey',
          displayName: 'My Connector API key',
          kind: 'custom',
          props: {
            type: 'object',
            properties: { apiKey: { type: 'string', title: 'API Key', format: 'password', writeOnly: true } },
            required: ['apiKey'],
          },
          secretFields: ['apiKey'],
        },
      ],
      actions: [
        {
          name: 'get-item',
          displayName: 'Get Item',
          description: '',
          account: 'apiKey',
          props: { type: 'object', properties: { itemId: { type: 'string', title: 'Item ID' } }, required: ['itemId'] },
        },
      ],
      triggers: [{ name: 'new-items', displayName: 'New Item', description: '', kind: 'pooling', props: { type: 'object', properties: {} } }],
    },
    bundle: '(()=>{globalThis.__flowport__={}})();',
    integrity: 'sha256-abc',
    sourceMap: '{"version":3,"sources":[],"mappings":""}',
    warnings: [],
  };
}
