// robots.txt per origin, fetched once and cached, and obeyed (RFC 9309 through robots-parser).
import ns from 'robots-parser';

// robots-parser's type declarations are wrong under NodeNext (STACK.md).
const robotsParser = ns as unknown as typeof ns.default;
type Robots = ReturnType<typeof robotsParser>;

/**
 * RFC 9309 2.2.2: a percent-encoded octet of an unreserved character is decoded before paths are
 * compared (`/%7Eadmin` is `/~admin`); robots-parser compares them as written, so both the rules
 * and the URL are brought to that form first.
 */
function decodeUnreserved(text: string): string {
  return text.replace(/%([0-9A-Fa-f]{2})/g, (escape, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return /[A-Za-z0-9._~-]/.test(char) ? char : escape.toUpperCase();
  });
}

function normaliseRules(text: string): string {
  return text.replace(/^(\s*(?:dis)?allow\s*:)(.*)$/gim, (_line, directive: string, value: string) => `${directive}${decodeUnreserved(value)}`);
}

export interface RobotsVerdict {
  allowed: boolean;
  /** The site could not be reached at all (network, timeout, TLS): the page would fail the same way. */
  unreachable?: Error;
  /** Crawl-delay for our agent, in milliseconds, when the site sets one. */
  crawlDelayMs?: number;
}

interface Entry {
  robots: Robots | null;
  unreachable?: Error;
  expires: number;
}

/** How long a fetched robots.txt is trusted. */
const TTL_MS = 6 * 3_600_000;
/** After robots.txt could not be fetched (5xx, network), try again sooner. */
const RETRY_MS = 10 * 60_000;

/** Answers the robots.txt, or null when it cannot be read; throws when the host is unreachable. */
export type RobotsFetcher = (url: string) => Promise<{ status: number; text: string } | null>;

export class RobotsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<Entry>>();

  /** `agent` is the product token of our User-Agent (before the first "/"). */
  constructor(
    private readonly agent: string,
    private readonly fetchRobots: RobotsFetcher,
    private readonly now: () => number = Date.now,
  ) {}

  async check(url: string): Promise<RobotsVerdict> {
    const origin = new URL(url).origin;
    const entry = await this.entry(origin);
    if (entry.unreachable) return { allowed: true, unreachable: entry.unreachable };
    if (!entry.robots) return { allowed: true };
    const allowed = entry.robots.isAllowed(decodeUnreserved(url), this.agent) !== false;
    const delay = entry.robots.getCrawlDelay(this.agent);
    return { allowed, crawlDelayMs: typeof delay === 'number' && delay > 0 ? delay * 1000 : undefined };
  }

  private async entry(origin: string): Promise<Entry> {
    const cached = this.entries.get(origin);
    if (cached && cached.expires > this.now()) return cached;
    let pending = this.pending.get(origin);
    if (!pending) {
      pending = this.load(origin).finally(() => this.pending.delete(origin));
      this.pending.set(origin, pending);
    }
    return pending;
  }

  private async load(origin: string): Promise<Entry> {
    const robotsUrl = `${origin}/robots.txt`;
    let entry: Entry;
    try {
      const answer = await this.fetchRobots(robotsUrl);
      if (answer && answer.status >= 200 && answer.status < 300) {
        entry = { robots: robotsParser(robotsUrl, normaliseRules(answer.text)), expires: this.now() + TTL_MS };
      } else if (answer && answer.status >= 400 && answer.status < 500) {
        // RFC 9309 2.3.1.3: "unavailable" (4xx) means no restrictions.
        entry = { robots: null, expires: this.now() + TTL_MS };
      } else {
        // 5xx or unreachable: the fetch of the page itself will report the real problem.
        entry = { robots: null, expires: this.now() + RETRY_MS };
      }
    } catch (error) {
      // Unreachable: every request to the host would fail the same way; say so once, retry soon.
      entry = { robots: null, unreachable: error as Error, expires: this.now() + RETRY_MS };
    }
    this.entries.set(origin, entry);
    return entry;
  }
}
