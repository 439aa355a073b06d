// A real HTTP server on loopback serving fixture responses, with per-path hit counts and the last
// request headers, so tests see exactly what the harvester sent.
import http from 'node:http';
import { type AddressInfo, type Socket } from 'node:net';

export interface Fixture {
  status?: number;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** Answer 304 when the request's If-None-Match equals this. */
  etag?: string;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface FixtureServer {
  url: string;
  host: string;
  set(path: string, fixture: Fixture | Handler): void;
  remove(path: string): void;
  hits(path: string): number;
  lastHeaders(path: string): http.IncomingHttpHeaders | undefined;
  close(): Promise<void>;
}

export async function startServer(routes: Record<string, Fixture | Handler> = {}, host = '127.0.0.1'): Promise<FixtureServer> {
  const table = new Map(Object.entries(routes));
  const hits = new Map<string, number>();
  const headers = new Map<string, http.IncomingHttpHeaders>();
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    headers.set(path, req.headers);
    const route = table.get(path) ?? table.get(path.split('?')[0]!);
    if (!route) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    if (typeof route === 'function') {
      route(req, res);
      return;
    }
    if (route.etag) {
      res.setHeader('etag', route.etag);
      if (req.headers['if-none-match'] === route.etag) {
        res.statusCode = 304;
        res.end();
        return;
      }
    }
    res.statusCode = route.status ?? 200;
    for (const [name, value] of Object.entries(route.headers ?? {})) res.setHeader(name, value);
    res.end(route.body ?? '');
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    host: `${host}:${port}`,
    set: (path, fixture) => table.set(path, fixture),
    remove: (path) => table.delete(path),
    hits: (path) => hits.get(path) ?? 0,
    lastHeaders: (path) => headers.get(path),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export function rss(items: Array<{ title: string; link: string; guid?: string; date?: string; description?: string }>, extra = ''): string {
  const entries = items
    .map(
      (i) => `<item><title>${escapeXml(i.title)}</title><link>${escapeXml(i.link)}</link>${i.guid ? `<guid>${escapeXml(i.guid)}</guid>` : ''}${
        i.date ? `<pubDate>${i.date}</pubDate>` : ''
      }${i.description !== undefined ? `<description>${escapeXml(i.description)}</description>` : ''}</item>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Feed</title><link>https://partner.example/</link>${extra}\n${entries}\n</channel></rss>`;
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
