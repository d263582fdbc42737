import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { BatchObservableCallback, Meter } from '@opentelemetry/api';

/**
 * A small, dependency-free set of process gauges in the Prometheus client naming
 * (process_resident_memory_bytes, process_cpu_seconds_total, nodejs_heap_size_used_bytes, …).
 * Returns a function that stops the event-loop delay sampler.
 */
export function registerProcessMetrics(meter: Meter): () => void {
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  const startTimeSeconds = Math.round((Date.now() - process.uptime() * 1000) / 1000);

  const rss = meter.createObservableGauge('process_resident_memory_bytes', { description: 'Resident memory size in bytes.', unit: 'By' });
  const heapUsed = meter.createObservableGauge('nodejs_heap_size_used_bytes', { description: 'V8 heap used in bytes.', unit: 'By' });
  const heapTotal = meter.createObservableGauge('nodejs_heap_size_total_bytes', { description: 'V8 heap allocated in bytes.', unit: 'By' });
  const cpu = meter.createObservableCounter('process_cpu_seconds_total', { description: 'User and system CPU time spent in seconds.', unit: 's' });
  const start = meter.createObservableGauge('process_start_time_seconds', { description: 'Start time of the process since the Unix epoch in seconds.', unit: 's' });
  const delay = meter.createObservableGauge('nodejs_eventloop_delay_p99_seconds', { description: '99th percentile of event loop delay since start, in seconds.', unit: 's' });

  const observables = [rss, heapUsed, heapTotal, cpu, start, delay];
  const callback: BatchObservableCallback = (result) => {
    const mem = process.memoryUsage();
    const usage = process.cpuUsage();
    result.observe(rss, mem.rss);
    result.observe(heapUsed, mem.heapUsed);
    result.observe(heapTotal, mem.heapTotal);
    result.observe(cpu, (usage.user + usage.system) / 1e6);
    result.observe(start, startTimeSeconds);
    result.observe(delay, loopDelay.percentile(99) / 1e9);
  };
  meter.addBatchObservableCallback(callback, observables);

  return () => {
    meter.removeBatchObservableCallback(callback, observables);
    loopDelay.disable();
  };
}
