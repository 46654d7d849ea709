import { defineAccount, Property } from '@flowport/connector-sdk';
import { requireSql } from './common/sql';

export const postgresAccount = defineAccount({
  kind: 'custom',
  name: 'postgres',
  displayName: 'PostgreSQL connection',
  description: 'Either a Connection URL, or host, port, database, user and password.',
  props: {
    url: Property.Secret({
      displayName: 'Connection URL',
      description: 'postgres://user:password@host:5432/database?sslmode=require; when set, the fields below are ignored',
    }),
    host: Property.ShortText({ displayName: 'Host', placeholder: 'db.example.com' }),
    port: Property.Number({ displayName: 'Port', integer: true, min: 1, max: 65535, defaultValue: 5432 }),
    database: Property.ShortText({ displayName: 'Database', description: 'Default: the user name' }),
    user: Property.ShortText({ displayName: 'User' }),
    password: Property.Secret({ displayName: 'Password' }),
    ssl: Property.StaticSelect({
      displayName: 'TLS',
      options: [
        { label: 'Off', value: 'disable' },
        { label: 'Required (certificate not checked)', value: 'require' },
        { label: 'Required, verify certificate and host', value: 'verify-full' },
      ],
      defaultValue: 'disable',
    }),
  },
  async validate(ctx) {
    await requireSql(ctx).query('SELECT 1', []);
    return { ok: true };
  },
});
