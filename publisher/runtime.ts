// How the running portal is doing, for operators and benchmarks: event-loop delay (a request
// that holds the loop delays every other one), memory, the read workers and the page cache.
// `kill -USR2 <pid>` prints it as a JSON line and starts a new measurement period; a stall of
// the loop past 100 ms is logged when it happens.
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { type FastifyInstance } from 'fastify';

export interface RuntimeReport {
  msg: 'runtime';
  /** Since the last report. */
  event_loop_delay_max_ms: number;
  event_loop_delay_p99_ms: number;
  /** The longest garbage collection pause of the event loop's thread. */
  gc_max_ms: number;
  rss_mb: number;
  heap_mb: number;
  heap_total_mb: number;
  /** Outside the heap: buffers (the page cache's pages among them). */
  external_mb: number;
  read_workers: ReturnType<FastifyInstance['reads']['stats']>;
  page_cache_entries: number;
}

export function watchRuntime(app: FastifyInstance, log: (entry: Record<string, unknown>) => void): () => void {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let gcMax = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMax = Math.max(gcMax, entry.duration);
  });
  gc.observe({ entryTypes: ['gc'] });
  const mb = (bytes: number) => Math.round(bytes / 1048576);
  const report = (): RuntimeReport => {
    const memory = process.memoryUsage();
    return {
      msg: 'runtime',
      event_loop_delay_max_ms: Math.round(histogram.max / 1e5) / 10,
      event_loop_delay_p99_ms: Math.round(histogram.percentile(99) / 1e5) / 10,
      gc_max_ms: Math.round(gcMax * 10) / 10,
      rss_mb: mb(memory.rss),
      heap_mb: mb(memory.heapUsed),
      heap_total_mb: mb(memory.heapTotal),
      external_mb: mb(memory.external),
      read_workers: app.reads.stats(),
      page_cache_entries: app.renderer.cache.size,
    };
  };
  const onSignal = () => {
    log({ ...report() });
    histogram.reset();
    gcMax = 0;
  };
  process.on('SIGUSR2', onSignal);
  let seen = 0;
  const check = setInterval(() => {
    if (histogram.max > 100e6 && histogram.max !== seen) {
      seen = histogram.max;
      log({ level: 'warn', msg: 'the event loop was held past 100 ms', event_loop_delay_max_ms: Math.round(histogram.max / 1e6) });
    }
  }, 10_000);
  check.unref();
  return () => {
    process.off('SIGUSR2', onSignal);
    clearInterval(check);
    histogram.disable();
    gc.disconnect();
  };
}
