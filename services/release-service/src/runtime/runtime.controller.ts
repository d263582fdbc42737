import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import { RuntimeRegistry } from './runtime.registry';
import type { RuntimeInstance } from './runtime.types';

/** The runtime registry over REST: what runs where, per application. */
@Controller('api/runtime/applications')
export class RuntimeController {
  constructor(private readonly registry: RuntimeRegistry) {}

  @Get(':app/instances')
  async instances(@Param('app') app: string): Promise<{ application: string; instances: RuntimeInstance[] }> {
    return { application: app, instances: await this.registry.list(app) };
  }

  /** Stops every instance of the application (decommission); each stop is published as STOPPED. */
  @Delete(':app/instances')
  @HttpCode(200)
  async stopAll(@Param('app') app: string): Promise<{ application: string; stopped: number }> {
    return { application: app, stopped: await this.registry.stopAll(app) };
  }
}
