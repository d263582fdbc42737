import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { parseInput } from '../http/validation';
import { PIPELINE_STAGES } from '../orchestration/pipeline';
import { RunsService, type RunView } from './runs.service';

const stageBody = z.strictObject({ stage: z.enum(PIPELINE_STAGES, { error: `must be one of ${PIPELINE_STAGES.join(', ')}` }) });
const optionalStageBody = z.strictObject({ stage: stageBody.shape.stage.optional() });
const abortBody = z.strictObject({ reason: z.string().min(1).optional() });
const approveBody = z.strictObject({ by: z.string().min(1).optional() });
const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input' }) as Record<string, unknown>;

@ApiTags('runs')
@Controller('api/runs')
export class RunsController {
  constructor(private readonly runs: RunsService) {}

  @Get(':id')
  @ApiOperation({ summary: 'A run: state, steps and resource ledger' })
  get(@Param('id') id: string): Promise<RunView> {
    return this.runs.get(id);
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Retry the failed (or waiting) stage; 409 with the reason when illegal' })
  @ApiBody({ required: false, schema: schema(optionalStageBody) })
  retry(@Param('id') id: string, @Body() body: unknown): Promise<RunView> {
    const { stage } = parseInput(optionalStageBody, body);
    return this.runs.control(id, stage === undefined ? { type: 'retry-stage' } : { type: 'retry-stage', stage });
  }

  @Post(':id/skip')
  @HttpCode(200)
  @ApiOperation({ summary: 'Skip a stage that has not succeeded and is not running; 409 with the reason when illegal' })
  @ApiBody({ schema: schema(stageBody) })
  skip(@Param('id') id: string, @Body() body: unknown): Promise<RunView> {
    return this.runs.control(id, { type: 'skip-stage', stage: parseInput(stageBody, body).stage });
  }

  @Post(':id/abort')
  @HttpCode(200)
  @ApiOperation({ summary: 'Abort the run and release its resources' })
  @ApiBody({ required: false, schema: schema(abortBody) })
  abort(@Param('id') id: string, @Body() body: unknown): Promise<RunView> {
    return this.runs.control(id, { type: 'abort', reason: parseInput(abortBody, body).reason });
  }

  @Post(':id/restart')
  @HttpCode(200)
  @ApiOperation({ summary: 'Restart a failed, aborted or not-applicable run from the first stage' })
  restart(@Param('id') id: string): Promise<RunView> {
    return this.runs.control(id, { type: 'restart' });
  }

  @Post(':id/approve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve a run waiting in review (manual approval policy)' })
  @ApiBody({ required: false, schema: schema(approveBody) })
  approve(@Param('id') id: string, @Body() body: unknown): Promise<RunView> {
    return this.runs.control(id, { type: 'approve', by: parseInput(approveBody, body).by });
  }
}
