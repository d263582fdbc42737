import type { ServerResponse } from 'node:http';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import { PROMETHEUS_CONTENT_TYPE, type Telemetry } from '@shipshape/telemetry';
import { TELEMETRY } from '../tokens';

/** GET /metrics: every OTel metric of the process in the Prometheus text format. */
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(TELEMETRY) private readonly telemetry: Telemetry) {}

  @Get()
  async metrics(@Res() res: ServerResponse): Promise<void> {
    const text = await this.telemetry.renderMetrics();
    // Written raw: Express would reorder the content-type parameters.
    res.writeHead(200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE, 'Cache-Control': 'no-store' });
    res.end(text);
  }
}
