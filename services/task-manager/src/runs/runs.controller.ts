import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { parseInput } from '../http/validation';
import { PIPELINE_STAGES } from '../orchestration/pipeline';
import { RELEASE_CONTROLS, RunsService, type ReleaseControl, type ReleaseControlView, type RunView } from './runs.service';

const stageBody = z.strictObject({ stage: z.enum(PIPELINE_STAGES, { error: `must be one of ${PIPELINE_STAGES.join(', ')}` }) });
const optionalStageBody = z.strictObject({ stage: stageBody.shape.stage.optional() });
const abortBody = z.strictObject({ reason: z.string().min(1).optional() });
const approveBody = z.strictObject({ by: z.string().min(1).optional() });
const releaseControlParam = z.strictObject({ control: z.enum(RELEASE_CONTROLS, { error: `must be one of ${RELEASE_CONTROLS.join(', ')}` }) });
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

  @Post(':id/release/:control')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Control the run\'s gray release in progress',
    description:
      'pause (hold before the next batch), resume, promote (end the current bake early; its gates are judged on what was measured) or abort (roll every ' +
      'replaced instance back; the run ends aborted). Sent to release-service as the release StepCommand with `control` set; 202 when sent, 409 when the run has no release in progress.',
  })
  @ApiParam({ name: 'control', enum: RELEASE_CONTROLS })
  @ApiResponse({ status: 202, description: 'Sent to release-service: { runId, stepId, control, commandId }' })
  @ApiResponse({ status: 409, description: 'The run has no release step in progress' })
  releaseControl(@Param('id') id: string, @Param('control') control: string): Promise<ReleaseControlView> {
    const parsed: ReleaseControl = parseInput(releaseControlParam, { control }).control;
    return this.runs.releaseControl(id, parsed);
  }
}
