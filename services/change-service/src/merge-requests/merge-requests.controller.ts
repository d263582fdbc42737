import { Controller, Get, NotFoundException, Param, Query } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DbMergeRequestProvider } from './db-merge-request.provider';
import type { MergeRequest } from './merge-request.provider';

/** Read access to the built-in merge requests (the links in StepResults point here). */
@Controller('merge-requests')
export class MergeRequestsController {
  private readonly provider: DbMergeRequestProvider;

  constructor(dataSource: DataSource) {
    this.provider = new DbMergeRequestProvider(dataSource);
  }

  @Get()
  list(@Query('application') application?: string, @Query('status') status?: string): Promise<MergeRequest[]> {
    return this.provider.list({ application, status });
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<MergeRequest> {
    const mr = await this.provider.get(id);
    if (!mr) throw new NotFoundException({ message: `merge request ${id} not found` });
    return mr;
  }
}
