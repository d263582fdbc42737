import { Controller, Get, Header, NotFoundException, BadRequestException, Param } from '@nestjs/common';
import { PHASES, type Phase } from '../classification';
import { EnvironmentStore } from './environment.store';
import { readPhaseLog } from './local.driver';

function isPhase(value: string): value is Phase {
  return (PHASES as readonly string[]).includes(value);
}

/** Environments over REST: state and usage, and the log of every phase (kept after teardown). */
@Controller('api/environments')
export class EnvironmentsController {
  constructor(private readonly store: EnvironmentStore) {}

  @Get(':id')
  async get(@Param('id') id: string): Promise<object> {
    const env = await this.store.find(id);
    if (!env) throw new NotFoundException({ message: 'no such environment', id });
    const { spec, ...rest } = env;
    return { ...rest, application: spec.application, gitRef: spec.gitRef, buildTool: spec.buildTool };
  }

  @Get(':id/logs/:phase')
  @Header('content-type', 'text/plain; charset=utf-8')
  async log(@Param('id') id: string, @Param('phase') phase: string): Promise<string> {
    if (!isPhase(phase)) throw new BadRequestException({ message: 'invalid request', errors: { phase: [`must be one of ${PHASES.join(', ')}`] } });
    const env = await this.store.find(id);
    if (!env) throw new NotFoundException({ message: 'no such environment', id });
    const text = await readPhaseLog(env.logDir, phase);
    if (text === null) throw new NotFoundException({ message: 'no log for this phase', id, phase });
    return text;
  }
}
