import { defineAccount, Property } from '@flowport/connector-sdk';
import { connectionUrl } from './common/url';

export const rabbitmqAccount = defineAccount({
  kind: 'custom',
  name: 'rabbitmq',
  displayName: 'RabbitMQ connection',
  description: 'Either a Connection URL, or host, port, virtual host, user and password.',
  props: {
    url: Property.Secret({
      displayName: 'Connection URL',
      description: 'amqp://user:password@host:5672/vhost (amqps:// for TLS); when set, the fields below are ignored',
    }),
    host: Property.ShortText({ displayName: 'Host', placeholder: 'rabbitmq.internal' }),
    port: Property.Number({ displayName: 'Port', integer: true, min: 1, max: 65535, description: 'Default 5672, or 5671 with TLS' }),
    vhost: Property.ShortText({ displayName: 'Virtual Host', defaultValue: '/' }),
    username: Property.ShortText({ displayName: 'User', defaultValue: 'guest' }),
    password: Property.Secret({ displayName: 'Password' }),
    tls: Property.Boolean({ displayName: 'TLS (amqps)', defaultValue: false }),
  },
  // No sockets in the sandbox: this checks the fields only; the trigger's driver reports connection errors.
  validate(ctx) {
    connectionUrl(ctx.account);
    return { ok: true };
  },
});
