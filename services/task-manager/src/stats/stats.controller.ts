import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { StatsService, type Statistics } from './stats.service';

@ApiTags('statistics')
@Controller('api')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get('stats')
  @ApiOperation({ summary: 'Statistics over every task: scope, runs by status, one-shot success rate, stage p50/p95, failures by error class and root cause, resources used, person-days saved' })
  overall(): Promise<Statistics> {
    return this.stats.overall();
  }

  @Get('tasks/:id/stats')
  @ApiOperation({ summary: 'Statistics of one task' })
  forTask(@Param('id') id: string): Promise<Statistics> {
    return this.stats.forTask(id);
  }
}
