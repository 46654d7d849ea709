/**
 * Escape attempts, each modelled on a published sandbox advisory. Every attack action returns
 * `process.pid` (or a host object's property) if it succeeds, so a working escape shows up as
 * `ok: true` and fails the test. After each attempt the same pool must still serve a normal
 * call; the pool is limited to one isolate per bundle so that call runs in the attacked isolate
 * whenever that isolate survived.
 */
import { SandboxPool, type KeyValueStore } from '../src';
import { bundleOf } from './bundles';
import { startServer, type TestServer } from './servers';

const ATTACKS = {
  normal: `async (input) => ({ echo: input, sum: [1, 2, 3].reduce((a, b) => a + b, 0), json: JSON.parse(JSON.stringify({ k: 'v' })) })`,

  // n8n CVE-2025-68613: expression code walking this.constructor.constructor to Function.
  constructorChain: `async function () { return this.constructor.constructor('return process')().pid; }`,
  // The published bypasses of the n8n fix: computed names and template literals.
  computedConstructor: `async function () { const c = 'const' + 'ructor'; return this[c][c]('return pro' + 'cess')().pid; }`,
  templateConstructor: `async function () { return this[\`\${'constr'}uctor\`][\`constructor\`](\`return \${'process'}\`)().pid; }`,
  taggedTemplateFunction: 'async () => Function`return process`().pid',
  viaCapabilityFunction: `async (input, ctx) => ctx.http.fetch.constructor.constructor('return process')().pid`,
  viaLogFunction: `async (input, ctx) => ctx.log.info.constructor('return process')().pid`,
  asyncFunctionConstructor: `async () => (await (async () => {}).constructor('return process')()).pid`,
  requireModule: `async () => require('child_process').execSync('id').toString()`,
  dynamicImport: `async () => (await import('node:child_process')).execSync('id').toString()`,
  globals: `async () => Object.getOwnPropertyNames(globalThis)`,
  ctxShape: `async (input, ctx) => {
    const seen = [];
    const walk = (value, path) => {
      if (typeof value === 'function') {
        seen.push([path, 'function', Object.getPrototypeOf(value) === Function.prototype || Object.getPrototypeOf(value) === Object.getPrototypeOf(async () => {}), Object.getOwnPropertyNames(value).sort().join(',')]);
      } else if (value && typeof value === 'object') {
        seen.push([path, 'object', Object.getPrototypeOf(value) === Object.prototype, Object.isFrozen(value)]);
        for (const key of Reflect.ownKeys(value)) walk(value[key], path + '.' + String(key));
      } else seen.push([path, typeof value]);
    };
    walk(ctx, 'ctx');
    return seen;
  }`,

  // vm2 CVE-2022-36067: Error.prepareStackTrace receiving CallSites whose getThis/getFunction
  // leak objects of the frames beneath, including the host's.
  prepareStackTrace: `async (input, ctx) => {
    const leaked = [];
    Error.prepareStackTrace = (error, frames) => {
      for (const frame of frames) {
        leaked.push(frame.getThis(), frame.getFunction(), frame.getFileName());
      }
      return 'stack';
    };
    try {
      try { await ctx.store.get('boom'); } catch (e) { void e.stack; }
      try { null.f(); } catch (e) { void e.stack; }
    } finally {
      Error.prepareStackTrace = undefined;
    }
    for (const value of leaked) {
      if (typeof value === 'string' && /node_modules|\\/src\\/pool|node:/.test(value)) return 'host frame ' + value;
      if (value && (typeof value === 'object' || typeof value === 'function')) {
        const p = value.constructor.constructor('return typeof process === "object" ? process : null')();
        if (p) return p.pid;
      }
    }
    return process.pid;
  }`,

  // vm2 CVE-2023-30547: a host exception caught in the guest handing over a host constructor.
  hostErrorConstructor: `async (input, ctx) => {
    try { await ctx.store.get('boom'); return 'store did not throw'; }
    catch (e) { return e.constructor.constructor('return process')().pid; }
  }`,
  hostErrorShape: `async (input, ctx) => {
    try { await ctx.store.get('boom'); return 'store did not throw'; }
    catch (e) {
      return { name: e.name, message: e.message, realm: Object.getPrototypeOf(e) === Error.prototype,
        hostPath: /node_modules|services\\/sandbox|node:internal/.test(String(e.stack)), keys: Object.getOwnPropertyNames(e).sort() };
    }
  }`,
  throwProxy: `async () => { throw new Proxy({}, { get() { throw new Error('trap'); } }); }`,

  // vm2 CVE-2023-37466: Promise species / then hijacking to catch host-side values.
  promiseHijack: `async (input, ctx) => {
    const captured = [];
    const realThen = Promise.prototype.then;
    Promise.prototype.then = function (onFulfilled, onRejected) {
      captured.push(this, onFulfilled, onRejected);
      return realThen.call(this, (v) => { captured.push(v); return onFulfilled ? onFulfilled(v) : v; },
        (e) => { captured.push(e); if (onRejected) return onRejected(e); throw e; });
    };
    class Evil extends Promise {}
    Object.defineProperty(Promise, Symbol.species, { configurable: true, get() { captured.push('species'); return Evil; } });
    try {
      await ctx.store.get('k').then((v) => v);
      try { await ctx.store.get('boom'); } catch (e) { captured.push(e); }
    } finally {
      Promise.prototype.then = realThen;
    }
    for (const v of captured) {
      if (v && (typeof v === 'object' || typeof v === 'function')) {
        const p = v.constructor.constructor('return typeof process === "object" ? process : null')();
        if (p) return p.pid;
      }
    }
    return process.pid;
  }`,
  // Leaves the isolate poisoned for the next call: the boundary code must not depend on any of it.
  poisonIntrinsics: `async () => {
    JSON.stringify = () => { throw new Error('poisoned stringify'); };
    JSON.parse = () => { throw new Error('poisoned parse'); };
    Reflect.apply = () => { throw new Error('poisoned apply'); };
    Function.prototype.call = Function.prototype.apply = function () { throw new Error('poisoned call'); };
    Object.defineProperty(Object.prototype, 'reference', { value: true, enumerable: false, configurable: true, writable: true });
    Object.defineProperty(Object.prototype, 'copy', { value: false, enumerable: false, configurable: true, writable: true });
    globalThis.console = { log() { throw new Error('poisoned console'); } };
    return process.pid;
  }`,

  // A then() that never calls back strands every promise the bundle itself resolves with one.
  strandedThen: `async () => { Promise.prototype.then = function () { return this; }; return Promise.resolve(1); }`,

  infiniteLoop: `async () => { for (;;) {} }`,
  loopAfterAwait: `async (input, ctx) => { await ctx.store.get('k'); for (;;) {} }`,
  neverSettles: `async () => { await new Promise(() => {}); }`,
  microtaskStorm: `async () => { (async () => { for (;;) await null; })(); await new Promise(() => {}); }`,
  memoryBomb: `async () => { const hoard = []; for (;;) hoard.push(new Array(100000).fill({ filler: 'x' })); }`,
  wasmMemoryBomb: `async () => { const m = new WebAssembly.Memory({ initial: 16000 }); new Uint8Array(m.buffer).fill(1); return m.buffer.byteLength; }`,
  atomicsWait: `async () => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); return 'woke'; }`,
  arrayBufferBomb: `async () => { const hoard = []; for (;;) hoard.push(new Uint8Array(16 * 1024 * 1024).fill(1)); }`,
  logFlood: `async (input, ctx) => { for (let i = 0; i < 200000; i++) ctx.log.info('flood line ' + i + ' ' + 'x'.repeat(100)); return 'flooded'; }`,
  emptyLogFlood: `async (input, ctx) => { for (let i = 0; i < 200000; i++) console.log(''); return 'flooded'; }`,
  fetch: `async (input, ctx) => {
    const res = await ctx.http.fetch(input.url);
    return 'reached the server: ' + res.status;
  }`,
  leakyFetch: `async (input, ctx) => { ctx.http.fetch(input.url).catch(() => { for (;;) {} }); return 'returned early'; }`,
};

const bundle = bundleOf(ATTACKS);
const TIMEOUT = 1000;

/** A host store whose failures are real host Error objects. */
const store: KeyValueStore = {
  async get(key) {
    if (key === 'boom') throw new TypeError('store unavailable');
    return { key };
  },
  async set() {},
  async delete() {},
};

describe('sandbox escape attempts', () => {
  let pool: SandboxPool;
  beforeEach(() => {
    pool = new SandboxPool({ timeoutMs: TIMEOUT, memoryLimitMb: 32, maxIsolatesPerBundle: 1, logLimitBytes: 8 * 1024 });
  });
  afterEach(() => pool.close());

  const attack = (target: keyof typeof ATTACKS, input: unknown = {}, capabilities = {}, timeoutMs?: number) =>
    pool.call({ bundle, op: 'action.run', target, input, capabilities: { store, ...capabilities }, timeoutMs });

  async function expectStillServing() {
    const result = await attack('normal', { after: 'attack' });
    expect(result).toMatchObject({ ok: true, output: { echo: { after: 'attack' }, sum: 6, json: { k: 'v' } } });
    expect(result.logs).toEqual([]);
  }

  describe('reaching Node through Function constructors (n8n CVE-2025-68613 and its bypasses)', () => {
    it.each([
      'constructorChain',
      'computedConstructor',
      'templateConstructor',
      'taggedTemplateFunction',
      'viaCapabilityFunction',
      'viaLogFunction',
      'asyncFunctionConstructor',
    ] as const)('%s finds no process object', async (target) => {
      const result = await attack(target);
      expect(result).toMatchObject({ ok: false, error: { name: 'ReferenceError', message: 'process is not defined' } });
      await expectStillServing();
    });

    it('has no require and no module loader', async () => {
      expect(await attack('requireModule')).toMatchObject({ ok: false, error: { name: 'ReferenceError', message: 'require is not defined' } });
      const imported = await attack('dynamicImport');
      expect(imported.ok).toBe(false);
      if (!imported.ok) expect(imported.error.message).toMatch(/not supported|import|module/i);
      await expectStillServing();
    });

    it('exposes only ECMAScript globals, the console shim and the bundle entry', async () => {
      const result = await attack('globals');
      if (!result.ok) throw new Error(result.error.message);
      const names = result.output as string[];
      const standard = new Set(Object.getOwnPropertyNames(globalThis).filter((n) => /^[A-Z]|^(globalThis|undefined|NaN|Infinity|eval|isFinite|isNaN|parse(Int|Float)|(de|en)codeURI(Component)?|escape|unescape)$/.test(n)));
      const extra = names.filter((n) => !standard.has(n) && n !== 'console' && n !== '__flowport__');
      expect(extra).toEqual([]);
      for (const hostOnly of ['process', 'require', 'module', 'Buffer', 'ivm', '$0', '$1', 'setTimeout', 'fetch']) expect(names).not.toContain(hostOnly);
    });
  });

  it('hands the guest a frozen ctx of plain guest-realm functions only', async () => {
    const result = await attack('ctxShape');
    if (!result.ok) throw new Error(result.error.message);
    const entries = result.output as Array<[string, string, boolean, unknown]>;
    expect(entries.map((e) => e[0]).sort()).toEqual(
      ['ctx', 'ctx.http', 'ctx.http.fetch', 'ctx.log', 'ctx.log.debug', 'ctx.log.error', 'ctx.log.info', 'ctx.log.warn', 'ctx.store', 'ctx.store.delete', 'ctx.store.get', 'ctx.store.set'].sort(),
    );
    for (const [path, kind, guestRealm, detail] of entries) {
      expect([path, guestRealm]).toEqual([path, true]);
      if (kind === 'object') expect([path, detail]).toEqual([path, true]);
      if (kind === 'function') expect([path, detail]).toEqual([path, 'length,name']);
    }
  });

  it('Error.prepareStackTrace CallSites expose no host frame or object (vm2 CVE-2022-36067)', async () => {
    const result = await attack('prepareStackTrace');
    expect(result).toMatchObject({ ok: false, error: { name: 'ReferenceError', message: 'process is not defined' } });
    await expectStillServing();
  });

  describe('host errors thrown into the guest (vm2 CVE-2023-30547)', () => {
    it('gives the guest no host constructor to climb', async () => {
      const result = await attack('hostErrorConstructor');
      expect(result).toMatchObject({ ok: false, error: { name: 'ReferenceError', message: 'process is not defined' } });
      await expectStillServing();
    });

    it('rebuilds the host error inside the isolate from its name and message only', async () => {
      const result = await attack('hostErrorShape');
      expect(result).toMatchObject({ ok: true, output: { name: 'TypeError', message: 'store unavailable', realm: true, hostPath: false } });
    });

    it('turns a hostile thrown value into plain strings on the way out', async () => {
      const result = await attack('throwProxy');
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error).toEqual({ name: 'Error', message: 'connector threw a value whose fields could not be read', stack: 'Error: connector threw a value whose fields could not be read' });
      await expectStillServing();
    });
  });

  describe('Promise species and then hijacking (vm2 CVE-2023-37466)', () => {
    it('captures only guest values', async () => {
      const result = await attack('promiseHijack');
      expect(result).toMatchObject({ ok: false, error: { name: 'ReferenceError', message: 'process is not defined' } });
      await expectStillServing();
    });

    it('poisoned intrinsics neither steer the boundary nor reach the next call', async () => {
      const result = await attack('poisonIntrinsics');
      // The error still comes back intact although JSON, Reflect.apply and call/apply are poisoned.
      expect(result).toMatchObject({ ok: false, error: { name: 'ReferenceError', message: 'process is not defined' } });
      // Rewritten built-ins retire the isolate, so the next call starts from clean intrinsics.
      expect(pool.stats()).toMatchObject({ created: 1, recycled: 1 });
      await expectStillServing();
      expect(pool.stats()).toMatchObject({ created: 2, recycled: 1 });
    });

    it('a then() that never calls back costs only the isolate it poisoned', async () => {
      const result = await attack('strandedThen');
      expect(result).toMatchObject({ ok: false, error: { name: 'SandboxTimeoutError' } });
      expect(pool.stats()).toMatchObject({ recycled: 1, isolates: 0 });
      await expectStillServing();
    });
  });

  describe('resource exhaustion', () => {
    it.each([
      ['infiniteLoop', 'a CPU loop'],
      ['loopAfterAwait', 'a CPU loop in a continuation after a host call'],
      ['neverSettles', 'a promise that never settles'],
      ['microtaskStorm', 'an endless microtask chain'],
      ['atomicsWait', 'Atomics.wait that nobody wakes'],
    ] as const)('%s (%s) ends at the deadline and the isolate is replaced', async (target, _what) => {
      const started = Date.now();
      const result = await attack(target);
      const elapsed = Date.now() - started;
      expect(result).toMatchObject({ ok: false, error: { name: 'SandboxTimeoutError', message: expect.stringContaining(`within ${TIMEOUT} ms`) } });
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT - 50);
      expect(elapsed).toBeLessThan(TIMEOUT + 3000);
      expect(pool.stats()).toMatchObject({ recycled: 1, timeouts: 1, isolates: 0 });
      await expectStillServing();
      expect(pool.stats().created).toBe(2);
    });

    it.each(['memoryBomb', 'arrayBufferBomb'] as const)('%s hits the memory limit, the isolate is discarded and a fresh one serves', async (target) => {
      // V8 collects hard before it gives up near the limit; a generous deadline keeps the
      // memory limit, not the clock, the thing that stops the bomb on a loaded machine.
      const result = await attack(target, {}, {}, 20_000);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      if (target === 'memoryBomb') {
        expect(result.error).toMatchObject({ name: 'SandboxMemoryLimitError', message: expect.stringContaining('memory limit of 32 MB') });
        expect(pool.stats().recycled).toBe(1);
      } else {
        // External (ArrayBuffer) memory either trips the isolate limit or fails the allocation in the guest.
        expect(result.error.name).toMatch(/SandboxMemoryLimitError|RangeError/);
      }
      await expectStillServing();
    });

    it('has no WebAssembly, whose memory the isolate memory limit would not count', async () => {
      expect(await attack('wasmMemoryBomb')).toMatchObject({ ok: false, error: { name: 'ReferenceError', message: 'WebAssembly is not defined' } });
      await expectStillServing();
    });

    it.each(['logFlood', 'emptyLogFlood'] as const)('%s is cut at logLimitBytes with a marker line', async (target) => {
      const result = await attack(target);
      expect(result).toMatchObject({ ok: true, output: 'flooded' });
      const bytes = result.logs.reduce((n, l) => n + Buffer.byteLength(l.message) + 16, 0);
      expect(bytes).toBeLessThanOrEqual(8 * 1024 + 200);
      expect(result.logs.length).toBeGreaterThan(1);
      expect(result.logs.at(-1)).toMatchObject({ level: 'warn', message: expect.stringContaining('log truncated') });
      await expectStillServing();
    });

    it('an isolate that left host calls running when it returned is not reused', async () => {
      const result = await attack('leakyFetch', { url: 'http://api.example.com:9/' }, { allowedHosts: ['api.example.com'] });
      expect(result).toMatchObject({ ok: true, output: 'returned early' });
      expect(pool.stats()).toMatchObject({ recycled: 1, isolates: 0 });
      await expectStillServing();
    });
  });

  describe('server-side request forgery', () => {
    let internal: TestServer;
    let allowed: TestServer;
    let redirectTarget = '';
    beforeAll(async () => {
      internal = await startServer((_req, res) => res.end('internal secret'));
      // 127.0.0.2 stands in for a public API: the pool is told to treat it as reachable.
      allowed = await startServer((_req, res) => res.writeHead(302, { location: redirectTarget }).end(), '127.0.0.2');
    });
    afterAll(async () => {
      await internal.close();
      await allowed.close();
    });
    beforeEach(() => {
      internal.hits.length = 0;
    });

    function hostOf(url: string) {
      return new URL(url).hostname.replace(/^\[|\]$/g, '');
    }

    it.each([
      ['127.0.0.1', (p: number) => `http://127.0.0.1:${p}/`],
      ['localhost (checked after DNS)', (p: number) => `http://localhost:${p}/`],
      ['::1', (p: number) => `http://[::1]:${p}/`],
      ['IPv4-mapped IPv6', (p: number) => `http://[::ffff:127.0.0.1]:${p}/`],
      ['0.0.0.0', (p: number) => `http://0.0.0.0:${p}/`],
      ['decimal IPv4', (p: number) => `http://2130706433:${p}/`],
    ])('refuses %s even when the host is allowlisted, and the server sees nothing', async (_name, make) => {
      const url = make(internal.port);
      const result = await attack('fetch', { url }, { allowedHosts: [hostOf(url)] });
      expect(result).toMatchObject({ ok: false, error: { name: 'HttpBlockedError', message: expect.stringMatching(/refused: .*(loopback|unspecified)/) } });
      expect(internal.hits).toEqual([]);
      await expectStillServing();
    });

    it('reaches the same server when the call is granted allowPrivateNetwork (the guard above is what blocked it)', async () => {
      const result = await attack('fetch', { url: `http://127.0.0.1:${internal.port}/` }, { allowedHosts: ['127.0.0.1'], allowPrivateNetwork: true });
      expect(result).toMatchObject({ ok: true, output: 'reached the server: 200' });
      expect(internal.hits).toEqual(['GET /']);
    });

    it.each([
      ['169.254.169.254', 'http://169.254.169.254/latest/meta-data/iam/security-credentials/'],
      ['fd00:ec2::254', 'http://[fd00:ec2::254]/latest/meta-data/'],
      ['metadata.google.internal', 'http://metadata.google.internal/computeMetadata/v1/'],
    ])('refuses the cloud metadata endpoint %s, even with allowPrivateNetwork', async (_name, url) => {
      const result = await attack('fetch', { url }, { allowedHosts: [hostOf(url)], allowPrivateNetwork: true });
      expect(result).toMatchObject({ ok: false, error: { name: 'HttpBlockedError', message: expect.stringContaining('cloud metadata endpoint') } });
      await expectStillServing();
    });

    describe('redirects from an allowed server', () => {
      let redirecting: SandboxPool;
      beforeAll(() => {
        redirecting = new SandboxPool({ timeoutMs: TIMEOUT, allowedPrivateAddresses: ['127.0.0.2'] });
      });
      afterAll(() => redirecting.close());

      it.each([
        ['a loopback name', () => `http://localhost:${internal.port}/secret`],
        ['a loopback literal', () => `http://127.0.0.1:${internal.port}/secret`],
        ['the metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
      ])('refuses a redirect to %s', async (_name, target) => {
        redirectTarget = target();
        const result = await redirecting.call({
          bundle,
          op: 'action.run',
          target: 'fetch',
          input: { url: `${allowed.url}/start` },
          capabilities: { allowedHosts: ['127.0.0.2', hostOf(redirectTarget)] },
        });
        expect(result).toMatchObject({ ok: false, error: { name: 'HttpBlockedError', message: expect.stringMatching(/refused: .*(loopback|metadata)/) } });
        expect(allowed.hits.at(-1)).toBe('GET /start');
        expect(internal.hits).toEqual([]);
        const normal = await redirecting.call({ bundle, op: 'action.run', target: 'normal', input: 1 });
        expect(normal.ok).toBe(true);
      });
    });
  });
});
