import { ConfigError, loadConfig } from '../src';

describe('loadConfig', () => {
  it('applies defaults', () => {
    const c = loadConfig({}, []);
    expect(c.port).toBe(3000);
    expect(c.databaseUrl).toBeNull();
    expect(c.roles).toEqual(['api', 'registry', 'store', 'flows', 'runtime']);
    expect(c.maxBundleBytes).toBe(5 * 1024 * 1024);
  });

  it('reports every bad variable with its name and accepted values', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud', FLOWPORT_ROLES: 'store,billing' }, []);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        'PORT must be an integer between 0 and 65535 (got "abc")',
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace (got "loud")',
        'FLOWPORT_ROLES must be "all" or a comma list of api, registry, store, flows, runtime (got "billing")',
      ]),
    );
  });

  it('requires FLOWPORT_SECRET_KEYS with an external database', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://x@h/db' }, [])).toThrow(/FLOWPORT_SECRET_KEYS is required/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x@h/db', FLOWPORT_SECRET_KEYS: 'v1:x' }, [])).toThrow(/DATABASE_URL must be a postgres/);
  });

  it('lets --role= win over FLOWPORT_ROLES', () => {
    expect(loadConfig({ FLOWPORT_ROLES: 'store' }, ['--role=registry']).roles).toEqual(['registry']);
    expect(loadConfig({ FLOWPORT_ROLES: 'store,registry' }, []).roles).toEqual(['store', 'registry']);
  });

  it('reads the distributed settings: RabbitMQ, shutdown bound, gateway upstreams', () => {
    const c = loadConfig({ RABBITMQ_URL: 'amqp://guest:guest@mq:5672', FLOWPORT_SHUTDOWN_TIMEOUT_MS: '5000', FLOWPORT_FLOWS_URL: 'http://flows:3000/' }, []);
    expect(c.rabbitmqUrl).toBe('amqp://guest:guest@mq:5672');
    expect(c.shutdownTimeoutMs).toBe(5000);
    expect(c.upstreams).toEqual({ flows: ['http://flows:3000'] });
    expect(loadConfig({}, []).shutdownTimeoutMs).toBe(25_000);
    expect(() => loadConfig({ RABBITMQ_URL: 'http://x:secret@mq', FLOWPORT_STORE_URL: 'store:3000', FLOWPORT_SHUTDOWN_TIMEOUT_MS: '5' }, [])).toThrow(
      /RABBITMQ_URL must be an amqp:\/\/ or amqps:\/\/ URL \(got "http:\/\/x:\*\*\*@mq"\)[\s\S]*FLOWPORT_STORE_URL must be the http:\/\/ or https:\/\/ base URL[\s\S]*FLOWPORT_SHUTDOWN_TIMEOUT_MS must be an integer between 100 and 600000/,
    );
  });

  it('reads FLOWPORT_<ROLE>_URL as one base URL or a comma list of replicas, in order', () => {
    const c = loadConfig({ FLOWPORT_RUNTIME_URL: ' http://runtime-1:3000/ , https://runtime-2.internal:8443,http://10.0.0.7:3000', FLOWPORT_STORE_URL: 'http://store:3000' }, []);
    expect(c.upstreams).toEqual({ runtime: ['http://runtime-1:3000', 'https://runtime-2.internal:8443', 'http://10.0.0.7:3000'], store: ['http://store:3000'] });
  });

  it('stops on a bad entry of an upstream list, naming the variable, the entry and the accepted form', () => {
    const problemsOf = (value: string) => {
      try {
        loadConfig({ FLOWPORT_RUNTIME_URL: value }, []);
      } catch (e) {
        return (e as ConfigError).problems;
      }
      throw new Error(`"${value}" was accepted`);
    };
    const accepted = 'FLOWPORT_RUNTIME_URL must be the http:// or https:// base URL of a runtime process, or a comma list of them (e.g. http://runtime-1:3000,http://runtime-2:3000)';
    expect(problemsOf('http://runtime-1:3000,runtime-2:3000')).toEqual([`${accepted}: entry 2 is not http:// or https:// (got "runtime-2:3000")`]);
    expect(problemsOf('http://runtime-1:3000,')).toEqual([`${accepted}: entry 2 is empty (got "http://runtime-1:3000,")`]);
    expect(problemsOf('ftp://runtime-1,http://runtime 2:3000')).toEqual([
      `${accepted}: entry 1 is not http:// or https:// (got "ftp://runtime-1")`,
      `${accepted}: entry 2 is not a URL (got "http://runtime 2:3000")`,
    ]);
    expect(problemsOf('http://runtime-1:3000/api')).toEqual([`${accepted}: entry 1 must be a base URL without a path, query or fragment (got "http://runtime-1:3000/api")`]);
    expect(problemsOf('http://admin:secret@runtime-1:3000')).toEqual([`${accepted}: entry 1 must not carry a user or password (got "http://***@runtime-1:3000")`]);
    expect(problemsOf('http://runtime-1:3000,http://RUNTIME-1:3000/')).toEqual([`${accepted}: entry 2 repeats http://runtime-1:3000`]);
  });
});
