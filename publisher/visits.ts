// The impact indicator: page views per day, page group and language, counted without cookies and
// without keeping IP addresses or user agents; obvious robots are left out. Counts are kept in
// memory and written every few seconds, so a page view costs no database write.
import { type Store } from '../store/index.ts';

const BOTS = /bot|crawl|spider|slurp|bingpreview|facebookexternalhit|embedly|quora link|whatsapp|telegram|curl|wget|python|httpclient|java\/|go-http|axios|node-fetch|undici|headless|lighthouse|pingdom|uptime|monitor|scan|preview|feed|fetch|archiver/i;

export function isBot(userAgent: string | undefined): boolean {
  return !userAgent || BOTS.test(userAgent);
}

export class Counters {
  private visits = new Map<string, number>();
  private clicks = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly now: () => Date,
    flushEveryMs = 5_000,
  ) {
    if (flushEveryMs > 0) {
      this.timer = setInterval(() => this.flush(), flushEveryMs);
      this.timer.unref();
    }
  }

  visit(pathGroup: string, language: string): void {
    const key = `${this.now().toISOString().slice(0, 10)}\u0000${pathGroup}\u0000${language}`;
    this.visits.set(key, (this.visits.get(key) ?? 0) + 1);
  }

  click(targetId: string): void {
    const key = `${this.now().toISOString().slice(0, 10)}\u0000${targetId}`;
    this.clicks.set(key, (this.clicks.get(key) ?? 0) + 1);
  }

  /** Writes what was counted. A failed write keeps the counts for the next attempt. */
  flush(): void {
    if (this.visits.size === 0 && this.clicks.size === 0) return;
    const visits = this.visits;
    const clicks = this.clicks;
    this.visits = new Map();
    this.clicks = new Map();
    try {
      this.store.stats.addVisits(
        [...visits].map(([key, count]) => {
          const [day, pathGroup, language] = key.split('\u0000') as [string, string, string];
          return { day, pathGroup, language, count };
        }),
      );
      this.store.stats.addClicks(
        [...clicks].map(([key, count]) => {
          const [day, targetId] = key.split('\u0000') as [string, string];
          return { day, targetId, count };
        }),
      );
    } catch {
      for (const [key, count] of visits) this.visits.set(key, (this.visits.get(key) ?? 0) + count);
      for (const [key, count] of clicks) this.clicks.set(key, (this.clicks.get(key) ?? 0) + count);
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.flush();
  }
}
