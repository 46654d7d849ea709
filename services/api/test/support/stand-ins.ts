import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';

const SCRIPT = path.join(__dirname, 'stand-in-upstream.ts');

export type StandInCall = { method: string; url: string; bytes: number; sha256: string; headers: Record<string, string | string[] | undefined> };

export type StandIn = {
  name: string;
  url: string;
  child: ChildProcess;
  /** The requests it received, as it recorded them. */
  calls(): Promise<StandInCall[]>;
  /** SIGKILL, as a crashed replica: its port refuses connections afterwards. */
  kill(): Promise<void>;
};

/** Starts `stand-in-upstream.ts` (Node runs TypeScript by stripping types) as its own process. */
export async function spawnStandIn(name: string, behaviour: 'answer' | 'reset'): Promise<StandIn> {
  const child = spawn(process.execPath, ['--disable-warning=MODULE_TYPELESS_PACKAGE_JSON', SCRIPT, name, behaviour], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /listening (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    void exited.then(() => reject(new Error(`stand-in ${name} exited before listening: ${out}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    name,
    url,
    child,
    calls: async () => (await fetch(`${url}/__calls`)).json() as Promise<StandInCall[]>,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A loopback port nothing listens on (taken from the OS, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
