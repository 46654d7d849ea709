// A plain node:http server standing in for a role process behind the api gateway (the gateway is
// what the tests exercise; a stand-in starts in milliseconds and can be told to misbehave).
//   node stand-in-upstream.ts <name> answer   answers every request with what it received
//   node stand-in-upstream.ts <name> reset    reads the whole request, then resets the connection
// Prints "listening <port>". GET /health answers 200; GET /__calls lists the requests received
// (neither is counted), so a test can tell whether the gateway sent a request twice.
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

const [name, behaviour] = process.argv.slice(2);

type Call = { method: string; url: string; bytes: number; sha256: string; headers: http.IncomingHttpHeaders };
const calls: Call[] = [];

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const server = http.createServer((req, res) => {
  if (req.url === '/health') return json(res, 200, { status: 'ok' });
  if (req.url === '/__calls') return json(res, 200, calls);
  const hash = createHash('sha256');
  let bytes = 0;
  req.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
  });
  req.on('end', () => {
    const call: Call = { method: req.method ?? '', url: req.url ?? '', bytes, sha256: hash.digest('hex'), headers: req.headers };
    calls.push(call);
    // The request arrived whole and was "processed"; the caller only sees the connection reset.
    if (behaviour === 'reset') return void req.socket.resetAndDestroy();
    json(res, 200, { upstream: name, ...call });
  });
});

server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
