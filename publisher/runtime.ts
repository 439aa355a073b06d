// How the running portal is doing, for operators and benchmarks: event-loop delay (a request
// that holds the loop delays every other one), memory, the read workers and the page cache.
// `kill -USR2 <pid>` prints it as a JSON line and starts a new measurement period; a stall of
// the loop past 100 ms is logged when it happens.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type FastifyInstance } from 'fastify';

export interface RuntimeReport {
  msg: 'runtime';
  /** Since the last report. */
  event_loop_delay_max_ms: number;
  event_loop_delay_p99_ms: number;
  rss_mb: number;
  heap_mb: number;
  read_workers: ReturnType<FastifyInstance['reads']['stats']>;
  page_cache_entries: number;
}

export function watchRuntime(app: FastifyInstance, log: (entry: Record<string, unknown>) => void): () => void {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const report = (): RuntimeReport => {
    const memory = process.memoryUsage();
    return {
      msg: 'runtime',
      event_loop_delay_max_ms: Math.round(histogram.max / 1e5) / 10,
      event_loop_delay_p99_ms: Math.round(histogram.percentile(99) / 1e5) / 10,
      rss_mb: Math.round(memory.rss / 1048576),
      heap_mb: Math.round(memory.heapUsed / 1048576),
      read_workers: app.reads.stats(),
      page_cache_entries: app.renderer.cache.size,
    };
  };
  const onSignal = () => {
    log({ ...report() });
    histogram.reset();
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
  };
}
