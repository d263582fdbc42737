import { ConflictException, Controller, Get, HttpCode, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { ReleaseStore } from './release.store';
import type { ReleaseControl, ReleaseRecord } from './release.types';

/** A release as REST shows it (the step command is left out). */
export interface ReleaseView {
  readonly id: string;
  readonly runId: string;
  readonly application: string;
  readonly status: ReleaseRecord['status'];
  readonly paused: boolean;
  readonly promoteRequested: boolean;
  readonly abortRequested: boolean;
  readonly batch: number;
  readonly batches: readonly number[] | null;
  readonly bakeStartedAt: string | null;
  readonly target: ReleaseRecord['target'];
  readonly result: ReleaseRecord['result'];
}

function view(r: ReleaseRecord): ReleaseView {
  return {
    id: r.id,
    runId: r.runId,
    application: r.application,
    status: r.status,
    paused: r.paused,
    promoteRequested: r.promoteRequested,
    abortRequested: r.abortRequested,
    batch: r.batchIndex + 1,
    batches: r.plan?.counts ?? null,
    bakeStartedAt: r.bakeStartedAt?.toISOString() ?? null,
    target: r.target,
    result: r.result,
  };
}

/** Releases (id = the release step id) and their manual controls. */
@Controller('api/releases')
export class ReleaseController {
  constructor(private readonly store: ReleaseStore) {}

  @Get()
  async list(@Query('runId') runId?: string): Promise<{ releases: ReleaseView[] }> {
    return { releases: runId === undefined ? [] : (await this.store.byRun(runId)).map(view) };
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<ReleaseView> {
    const release = await this.store.get(id);
    if (release === null) throw new NotFoundException(`no release ${id}`);
    return view(release);
  }

  @Post(':id/pause')
  @HttpCode(202)
  pause(@Param('id') id: string): Promise<ReleaseView> {
    return this.control(id, 'pause');
  }

  @Post(':id/resume')
  @HttpCode(202)
  resume(@Param('id') id: string): Promise<ReleaseView> {
    return this.control(id, 'resume');
  }

  /** Skips the rest of the current batch's bake (its gates are still judged on what was measured). */
  @Post(':id/promote')
  @HttpCode(202)
  promote(@Param('id') id: string): Promise<ReleaseView> {
    return this.control(id, 'promote');
  }

  /** Rolls every replaced instance back and fails the step. */
  @Post(':id/abort')
  @HttpCode(202)
  abort(@Param('id') id: string): Promise<ReleaseView> {
    return this.control(id, 'abort');
  }

  private async control(id: string, control: ReleaseControl): Promise<ReleaseView> {
    const outcome = await this.store.control(id, control);
    switch (outcome.kind) {
      case 'applied':
        return view(outcome.release);
      case 'not-found':
        throw new NotFoundException(`no release ${id}`);
      case 'refused':
        throw new ConflictException(outcome.reason);
      default: {
        const never: never = outcome;
        throw new Error(`unknown control outcome ${JSON.stringify(never)}`);
      }
    }
  }
}
