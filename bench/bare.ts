// The baseline of `npm run bench:load`: a bare node:http server answering every request with the
// same 10 KB, in its own process. It shows what this machine can serve at all during the run.
import http from 'node:http';

const body = Buffer.alloc(10 * 1024, 'x');
const server = http.createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length });
  response.end(body);
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
