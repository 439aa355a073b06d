// The one HTTP client every connector uses: a timeout per request (body included), a size cap
// enforced while streaming and after decompression, at most 5 redirects, TLS verified,
// conditional GET, robots.txt, one request at a time per host, Retry-After, a named User-Agent,
// and no private addresses unless allowed. Failures are HarvestErrors with the contract's codes.
import { STATUS_CODES } from 'node:http';
import { pipeline, type Readable, type Transform } from 'node:stream';
import zlib from 'node:zlib';
import { Agent, request, type Dispatcher } from 'undici';
import { classifyNetworkError, HarvestError } from './errors.ts';
import { checkLiteralHost, guardedLookup, type PrivateNetworkPolicy, type Resolver } from './netguard.ts';
import { RobotsCache } from './robots.ts';

export interface HttpClientOptions {
  timeoutMs: number;
  userAgent: string;
  /** true, false, or the private ranges allowed (see netguard.ts). */
  allowPrivateNetworks: PrivateNetworkPolicy;
  /** Host name resolution; tests inject one so no DNS query leaves the machine. */
  resolver?: Resolver;
  perHostDelayMs: number;
  maxRedirects?: number;
  /** A server's Retry-After up to this long is waited for once; longer ones fail the fetch. */
  maxRetryWaitMs?: number;
  /** Obey robots.txt (default true). */
  robots?: boolean;
}

export interface Validators {
  etag?: string | null;
  lastModified?: string | null;
  /** sha256 of the last body read (see connectors/types.ts, `unchanged`). */
  bodyHash?: string | null;
}

export interface FetchOptions {
  maxBytes: number;
  accept?: string;
  validators?: Validators;
}

export interface FetchResult {
  /** 200-299, or 304 when the validators matched. */
  status: number;
  /** The final URL, after redirects. */
  url: string;
  redirects: string[];
  body: Buffer;
  contentType: string | undefined;
  etag: string | null;
  lastModified: string | null;
  fetchedAt: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** One request at a time per host, `delay` apart (longer when robots.txt asks for a Crawl-delay). */
class HostGate {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly extraDelay = new Map<string, number>();

  constructor(private readonly delayMs: number) {}

  setCrawlDelay(host: string, ms: number): void {
    this.extraDelay.set(host, Math.min(ms, 30_000));
  }

  async run<T>(host: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(host) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => done);
    this.tails.set(host, tail);
    await previous;
    try {
      return await task();
    } finally {
      const wait = Math.max(this.delayMs, this.extraDelay.get(host) ?? 0);
      // Not unref'd: the next source of this host waits on it, and a process with nothing else
      // to do (a `portal harvest` between two sources) must not exit before it fires.
      setTimeout(() => {
        release();
        if (this.tails.get(host) === tail) this.tails.delete(host);
      }, wait);
    }
  }
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Retry-After as a Date: seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now: number): Date | undefined {
  if (!value) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return new Date(now + Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : new Date(date);
}

function statusMessage(status: number, url: string): string {
  const reason = STATUS_CODES[status] ?? 'unexpected status';
  const hint =
    status === 404 || status === 410
      ? ' (the page was moved or removed: check the URL in the partner\'s file)'
      : status === 401 || status === 403
        ? ' (the site refuses the portal: it may need to allow our User-Agent)'
        : status === 429
          ? ' (the site asks the portal to slow down)'
          : status >= 500
            ? ' (the partner\'s server failed; it is retried later)'
            : '';
  return `${url} answered HTTP ${status} ${reason}${hint}`;
}

export class HttpClient {
  private readonly agent: Agent;
  private readonly gate: HostGate;
  private readonly robots: RobotsCache;
  private readonly maxRedirects: number;
  private readonly maxRetryWaitMs: number;

  constructor(private readonly options: HttpClientOptions) {
    this.agent = new Agent({
      connect: { lookup: guardedLookup(options.allowPrivateNetworks, options.resolver), rejectUnauthorized: true, timeout: options.timeoutMs * 3 },
      // A backstop only: the request's own signal (patientTimeout) decides, not counting our stalls.
      headersTimeout: options.timeoutMs * 3,
      bodyTimeout: options.timeoutMs * 3,
      keepAliveTimeout: 4_000,
      connections: 4,
    });
    this.gate = new HostGate(options.perHostDelayMs);
    this.maxRedirects = options.maxRedirects ?? 5;
    this.maxRetryWaitMs = options.maxRetryWaitMs ?? 30_000;
    const agentToken = options.userAgent.split('/')[0]!.trim() || options.userAgent;
    this.robots = new RobotsCache(agentToken, async (url) => {
      try {
        const result = await this.fetchOnce(url, { maxBytes: 512 * 1024, accept: 'text/plain' }, false);
        return { status: result.status, text: result.body.toString('utf8') };
      } catch (error) {
        if (error instanceof HarvestError && error.details.httpStatus) return { status: error.details.httpStatus, text: '' };
        if (error instanceof HarvestError && ['network', 'timeout', 'tls'].includes(error.code)) throw error;
        return null;
      }
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** Fetches `url`, following redirects; throws a HarvestError on any failure. */
  async fetch(url: string, options: FetchOptions): Promise<FetchResult> {
    return this.fetchOnce(url, options, this.options.robots ?? true);
  }

  private async fetchOnce(url: string, options: FetchOptions, obeyRobots: boolean): Promise<FetchResult> {
    const redirects: string[] = [];
    let current: URL;
    try {
      current = new URL(url);
    } catch {
      throw new HarvestError('network', `not a valid address: ${url}`, { url });
    }
    for (let hop = 0; ; hop++) {
      if (current.protocol !== 'http:' && current.protocol !== 'https:') {
        throw new HarvestError('network', `refused to follow ${current.href}: only http and https are fetched`, { url });
      }
      checkLiteralHost(current, this.options.allowPrivateNetworks);
      if (obeyRobots) {
        const verdict = await this.robots.check(current.href);
        if (verdict.unreachable) throw verdict.unreachable;
        if (verdict.crawlDelayMs) this.gate.setCrawlDelay(current.host, verdict.crawlDelayMs);
        if (!verdict.allowed) {
          throw new HarvestError('robots', `${current.href} is disallowed for the portal by ${current.origin}/robots.txt`, { url: current.href });
        }
      }
      const answer = await this.gate.run(current.host, () => this.requestWithRetry(current, options, hop === 0));
      if (answer.kind === 'redirect') {
        const target = new URL(answer.location, current);
        redirects.push(current.href);
        if (redirects.includes(target.href)) {
          throw new HarvestError('http_status', `redirect loop: ${current.href} sends back to ${target.href}`, {
            httpStatus: answer.status,
            url,
          });
        }
        if (hop + 1 > this.maxRedirects) {
          throw new HarvestError('http_status', `more than ${this.maxRedirects} redirects starting at ${url}`, { httpStatus: answer.status, url });
        }
        current = target;
        continue;
      }
      return { ...answer.result, url: current.href, redirects };
    }
  }

  private async requestWithRetry(
    url: URL,
    options: FetchOptions,
    conditional: boolean,
  ): Promise<{ kind: 'redirect'; status: number; location: string } | { kind: 'done'; result: Omit<FetchResult, 'url' | 'redirects'> }> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.requestOnce(url, options, conditional);
      } catch (error) {
        const retryAfter = error instanceof HarvestError ? error.details.retryAfter : undefined;
        const wait = retryAfter ? retryAfter.getTime() - Date.now() : Infinity;
        if (attempt === 0 && retryAfter && wait <= this.maxRetryWaitMs) {
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
          continue;
        }
        throw error;
      }
    }
  }

  private async requestOnce(
    url: URL,
    options: FetchOptions,
    conditional: boolean,
  ): Promise<{ kind: 'redirect'; status: number; location: string } | { kind: 'done'; result: Omit<FetchResult, 'url' | 'redirects'> }> {
    const timeoutMs = this.options.timeoutMs;
    const signal = patientTimeout(timeoutMs);
    const headers: Record<string, string> = {
      'user-agent': this.options.userAgent,
      accept: options.accept ?? '*/*',
      'accept-encoding': 'gzip, deflate, br',
      'accept-language': 'fr, ar;q=0.9, en;q=0.8',
    };
    if (conditional && options.validators?.etag) headers['if-none-match'] = options.validators.etag;
    if (conditional && options.validators?.lastModified) headers['if-modified-since'] = options.validators.lastModified;
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, { method: 'GET', headers, dispatcher: this.agent, signal });
    } catch (error) {
      if (signal.aborted) throw new HarvestError('timeout', `${url.host} did not answer within ${Math.round(timeoutMs / 1000)} s`, { url: url.href });
      throw classifyNetworkError(error, url.href, timeoutMs);
    }
    const { statusCode, headers: responseHeaders, body } = response;
    const contentType = header(responseHeaders, 'content-type');
    if (REDIRECTS.has(statusCode)) {
      body.resume();
      const location = header(responseHeaders, 'location');
      if (!location) throw new HarvestError('http_status', `${url.href} answered HTTP ${statusCode} without a Location`, { httpStatus: statusCode, url: url.href });
      return { kind: 'redirect', status: statusCode, location };
    }
    const fetchedAt = new Date().toISOString();
    if (statusCode === 304) {
      body.resume();
      return {
        kind: 'done',
        result: { status: 304, body: Buffer.alloc(0), contentType, etag: options.validators?.etag ?? null, lastModified: options.validators?.lastModified ?? null, fetchedAt },
      };
    }
    if (statusCode < 200 || statusCode >= 300) {
      body.resume();
      throw new HarvestError('http_status', statusMessage(statusCode, url.href), {
        httpStatus: statusCode,
        retryAfter: statusCode === 429 || statusCode === 503 ? parseRetryAfter(header(responseHeaders, 'retry-after'), Date.now()) : undefined,
        url: url.href,
      });
    }
    const declared = Number(header(responseHeaders, 'content-length'));
    const encoding = (header(responseHeaders, 'content-encoding') ?? '').trim().toLowerCase();
    if (!encoding && Number.isFinite(declared) && declared > options.maxBytes) {
      body.destroy();
      throw new HarvestError('too_large', `${url.href} is ${formatBytes(declared)}, over the ${formatBytes(options.maxBytes)} limit`, { url: url.href });
    }
    const bodyBuffer = await readCapped(body, encoding, options.maxBytes, url, signal, timeoutMs);
    return {
      kind: 'done',
      result: {
        status: statusCode,
        body: bodyBuffer,
        contentType,
        etag: header(responseHeaders, 'etag') ?? null,
        lastModified: header(responseHeaders, 'last-modified') ?? null,
        fetchedAt,
      },
    };
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

function decompressor(encoding: string): Transform | undefined {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}

/**
 * An abort signal `ms` after now that does not count the time this process itself was stalled.
 * pdf.js parses on the event loop: while it parses a large PDF, another partner's answer can sit
 * unread in the socket, and a plain timer firing late would blame that partner with a timeout.
 * When the timer fires late by more than a quarter of a second, the loop was blocked: the answer
 * gets that much longer (up to three times `ms` in all), time for pending input to be read.
 */
export function patientTimeout(ms: number): AbortSignal {
  const controller = new AbortController();
  const hardLimit = Date.now() + 3 * ms;
  const arm = (delay: number) => {
    const expected = Date.now() + delay;
    setTimeout(() => {
      const now = Date.now();
      const late = now - expected;
      if (late > 250 && now < hardLimit) arm(Math.min(late, hardLimit - now));
      else controller.abort(new DOMException('The operation timed out.', 'TimeoutError'));
    }, delay).unref();
  };
  arm(ms);
  return controller.signal;
}

/** Reads a body up to `maxBytes` (after decompression: a gzip bomb stops at the cap). */
async function readCapped(body: Readable, encoding: string, maxBytes: number, url: URL, signal: AbortSignal, timeoutMs: number): Promise<Buffer> {
  const inflate = encoding && encoding !== 'identity' ? decompressor(encoding) : undefined;
  if (encoding && encoding !== 'identity' && !inflate) {
    body.destroy();
    throw new HarvestError('wrong_type', `${url.href} is compressed with "${encoding}", which the portal cannot read`, { url: url.href });
  }
  const stream: Readable = inflate ? (pipeline(body, inflate, () => undefined) as unknown as Readable) : body;
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      total += (chunk as Buffer).length;
      if (total > maxBytes) {
        throw new HarvestError('too_large', `${url.href} is larger than the ${formatBytes(maxBytes)} limit${inflate ? ' once decompressed' : ''}`, {
          url: url.href,
        });
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    stream.destroy();
    body.destroy();
    if (error instanceof HarvestError) throw error;
    if (signal.aborted) throw new HarvestError('timeout', `${url.host} did not send the whole answer within ${Math.round(timeoutMs / 1000)} s`, { url: url.href });
    if ((error as { code?: string }).code?.startsWith('Z_')) {
      throw new HarvestError('parse', `${url.href} declares ${encoding} compression but the data is corrupt`, { url: url.href });
    }
    throw classifyNetworkError(error, url.href, timeoutMs);
  }
  return Buffer.concat(chunks, total);
}
