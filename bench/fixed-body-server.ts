// The ceiling for HTTP benchmarks: a bare node:http server answering a fixed JSON body.
import { createServer } from 'node:http';

const size = Number(process.argv[2] ?? 200);
const body = JSON.stringify({ value: 'x'.repeat(Math.max(0, size - 12)) });
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`${typeof a === 'object' && a ? a.port : 0}\n`);
});
