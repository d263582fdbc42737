import { Controller, Get, Res } from '@nestjs/common';
import { HealthService, type ReadinessReport } from './health.service';

interface StatusSettable {
  status(code: number): unknown;
}

/**
 * GET /health/live: 200 while the process serves HTTP.
 * GET /health and /health/ready: 200 when Postgres and Kafka answer, else 503 naming the failing check.
 */
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get()
  async readiness(@Res({ passthrough: true }) res: StatusSettable): Promise<ReadinessReport> {
    return this.ready(res);
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) res: StatusSettable): Promise<ReadinessReport> {
    const report = await this.health.readiness();
    res.status(report.status === 'ok' ? 200 : 503);
    return report;
  }
}
