// The faults a partner's site can throw at the harvester, as request handlers for the loopback
// fixture server (tests/helpers/server.ts), plus the instruments the reliability suite reads:
// peak memory during a pass, a visitor probing the portal meanwhile, and the measurement log that
// docs/reliability.md is generated from.
import fs from 'node:fs';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import zlib from 'node:zlib';
import { type Handler } from './server.ts';

/** A status with a small body (500, 502, 503, 404…). */
export const status =
  (code: number, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(code, { 'content-type': 'text/html', ...headers });
    res.end(`<html><body>${code}</body></html>`);
  };

/** Headers and half the body, then the connection is reset. */
export const resetMidBody =
  (body: string): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml', 'content-length': String(Buffer.byteLength(body)) });
    res.write(body.slice(0, Math.floor(body.length / 2)));
    setTimeout(() => res.socket?.resetAndDestroy(), 50);
  };

/** One byte per second, for ever. */
export const trickle = (): Handler => (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/rss+xml' });
  const body = '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>';
  let index = 0;
  const timer = setInterval(() => res.write(body[index++ % body.length]!), 1000);
  res.on('close', () => clearInterval(timer));
};

/** `bytes` of feed-looking data streamed as fast as the client reads (nothing held in memory). */
export const oversize =
  (bytes: number): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    const chunk = Buffer.alloc(64 * 1024, '<item><title>x</title></item>\n');
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.on('close', () => (sent = bytes));
    pump();
  };

/** A gzip body of a few hundred KB that inflates to `inflated` bytes of zeros (made in chunks). */
export async function gzipBomb(inflated: number): Promise<Handler> {
  const gzip = zlib.createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => parts.push(chunk));
  const done = new Promise((resolve, reject) => gzip.on('end', resolve).on('error', reject));
  const zeros = Buffer.alloc(MB);
  for (let written = 0; written < inflated; written += zeros.length) {
    if (!gzip.write(zeros)) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await done;
  const compressed = Buffer.concat(parts);
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml', 'content-encoding': 'gzip', 'content-length': String(compressed.length) });
    res.end(compressed);
  };
}

/** A fixed body with the given content type (wrong types, malformed XML, HTML in place of a feed). */
export const body =
  (content: string | Buffer, contentType: string): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': contentType });
    res.end(content);
  };

/** A redirect to `location`. */
export const redirect =
  (location: string, code = 302): Handler =>
  (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(code, { location });
    res.end();
  };

/** Samples the resident set size while `work` runs; the peak in bytes above the level before. */
export async function peakRss<T>(work: () => Promise<T>): Promise<{ result: T; baseline: number; peak: number }> {
  global.gc?.();
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, baseline, peak };
  } finally {
    clearInterval(timer);
  }
}

/** A visitor asking the portal for pages every `everyMs` until stopped: the statuses it got. */
export function probe(urls: string[], everyMs = 100): { stop(): Promise<{ statuses: number[]; errors: string[]; slowestMs: number }> } {
  const statuses: number[] = [];
  const errors: string[] = [];
  let slowestMs = 0;
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const started = performance.now();
      try {
        const res = await fetch(urls[i % urls.length]!);
        await res.arrayBuffer();
        statuses.push(res.status);
      } catch (error) {
        errors.push((error as Error).message);
      }
      slowestMs = Math.max(slowestMs, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { statuses, errors, slowestMs };
    },
  };
}

export interface Measurement {
  area: string;
  case: string;
  how: string;
  result: string;
  figures?: Record<string, string | number>;
}

/** Appends a measurement for docs/reliability.md when the report script asked for them. */
export function record(measurement: Measurement): void {
  const file = process.env.RELIABILITY_OUT;
  if (file) fs.appendFileSync(file, `${JSON.stringify(measurement)}\n`);
}

export const MB = 1024 * 1024;
export const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
