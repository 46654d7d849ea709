import { JsonSchema, PlatformTriggerType } from '../../core/api/models';

export interface PlatformTriggerOption {
  type: PlatformTriggerType;
  displayName: string;
  description: string;
  /** Settings the flow needs for this trigger; rendered by the JSON-Schema form. */
  settings: JsonSchema;
}

/** Triggers the platform provides without any connector. */
export const PLATFORM_TRIGGERS: readonly PlatformTriggerOption[] = [
  {
    type: 'manual',
    displayName: 'Manual',
    description: 'Start a run yourself, from the designer or the API.',
    settings: { type: 'object', properties: {} },
  },
  {
    type: 'schedule',
    displayName: 'Schedule',
    description: 'Run on a cron schedule, e.g. every day at 08:00.',
    settings: {
      type: 'object',
      required: ['cron'],
      properties: {
        cron: {
          type: 'string',
          title: 'Cron expression',
          description: 'Five fields: minute hour day-of-month month day-of-week, e.g. 0 8 * * 1-5 (08:00 on weekdays).',
          pattern: '^\\s*\\S+(\\s+\\S+){4,5}\\s*$',
          examples: ['0 8 * * 1-5'],
        },
        timezone: { type: 'string', title: 'Time zone', description: 'IANA name, e.g. Europe/Berlin. Empty means UTC.', examples: ['UTC'] },
      },
    },
  },
  {
    type: 'webhook',
    displayName: 'Webhook',
    description: 'A URL with a token that starts the flow when called. The URL is shown after the flow is created.',
    settings: {
      type: 'object',
      properties: {
        externalId: {
          type: 'string',
          title: 'External ID',
          description:
            'Optional. An expression over the call ({ body, headers, query }), e.g. body.id or headers."x-delivery-id". A call whose External ID this flow already received starts no run (it is recorded as a duplicate). Empty: every call starts a run.',
          examples: ['body.id'],
        },
      },
    },
  },
  {
    type: 'event',
    displayName: 'Custom event',
    description: 'Start when your workspace emits a named event, e.g. order.created.',
    settings: {
      type: 'object',
      required: ['event'],
      properties: {
        event: {
          type: 'string',
          title: 'Event name',
          description: 'Letters, digits, dots, dashes and underscores, e.g. order.created.',
          pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
          examples: ['order.created'],
        },
      },
    },
  },
];
