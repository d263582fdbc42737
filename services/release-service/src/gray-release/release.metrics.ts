import { metrics, type Counter, type Histogram } from '@opentelemetry/api';

interface ReleaseInstruments {
  readonly releasesFinished: Counter;
  readonly releaseDuration: Histogram;
  readonly batchesJudged: Counter;
  readonly instancesReplaced: Counter;
}

let instruments: ReleaseInstruments | null = null;

/**
 * Release instruments, served on /metrics by @shipshape/telemetry. Created on first use, after boot has
 * registered the process MeterProvider (a meter taken before that would stay a no-op).
 */
export function releaseMetrics(): ReleaseInstruments {
  if (instruments !== null) return instruments;
  const meter = metrics.getMeter('@shipshape/release-service');
  instruments = {
    releasesFinished: meter.createCounter('shipshape.release.releases.finished', { description: 'Release steps finished, by outcome and error class' }),
    releaseDuration: meter.createHistogram('shipshape.release.duration', { description: 'Time from accepting a release step to its result', unit: 's' }),
    batchesJudged: meter.createCounter('shipshape.release.batches', { description: 'Gray batches whose gates were judged, by verdict (passed, failed) and failed gates' }),
    instancesReplaced: meter.createCounter('shipshape.release.instances.replaced', {
      description: 'Instances put on a new version (reason release) or back on the old one (reason rollback)',
    }),
  };
  return instruments;
}
