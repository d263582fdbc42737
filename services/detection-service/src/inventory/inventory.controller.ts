import { Body, ConflictException, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { isShipshapeError } from '@shipshape/contracts';
import { ECOSYSTEMS } from '@shipshape/manifests';
import { z } from 'zod';
import { RuntimeScanService, type InstanceReading } from '../runtime/runtime-scan.service';
import { SourceScanService } from '../source/source-scan.service';
import { InventoryQueries } from './inventory.queries';
import { ORIGINS } from './inventory.types';
import { RescanService, type RescanSummary } from './rescan.service';
import { parseRequest } from './request-validation';

const component = z.object({
  ecosystem: z.enum(ECOSYSTEMS, { error: `must be one of ${ECOSYSTEMS.join(', ')}` }),
  name: z.string({ error: 'is required' }).min(1, 'is required'),
});
const origin = z.enum(ORIGINS, { error: `must be one of ${ORIGINS.join(', ')}` });
const application = z.string().regex(/^[\w.-]{1,200}$/, 'must be letters, digits, ., _ or -');

/** Dependency dashboards and on-demand scans: `/api/inventory/...`. */
@Controller('api/inventory')
export class InventoryController {
  constructor(
    private readonly queries: InventoryQueries,
    private readonly sources: SourceScanService,
    private readonly runtime: RuntimeScanService,
    private readonly rescans: RescanService,
  ) {}

  /** Rescans the whole catalog now (the same run the timer does). */
  @Post('rescan')
  @HttpCode(200)
  rescan(): Promise<RescanSummary> {
    return this.rescans.rescan();
  }

  @Get('applications')
  async applications(): Promise<{ applications: Record<string, unknown>[] }> {
    return { applications: await this.queries.applications() };
  }

  /** Components of one application (SOURCE declarations and RUNTIME readings, or one origin). */
  @Get('applications/:application/components')
  async components(@Param('application') app: string, @Query() query: Record<string, unknown>) {
    const q = parseRequest(z.object({ application, origin: origin.optional() }), { ...query, application: app });
    return { application: q.application, components: await this.queries.components(q.application, q.origin) };
  }

  /** Applications using a component and at which versions (source and runtime). */
  @Get('usage')
  async usage(@Query() query: Record<string, unknown>) {
    const q = parseRequest(component, query);
    return { component: q, applications: await this.queries.usage(q) };
  }

  /** Version distribution of a component across the fleet. */
  @Get('distribution')
  async distribution(@Query() query: Record<string, unknown>) {
    const q = parseRequest(component.extend({ origin: origin.default('SOURCE') }), query);
    return { component: { ecosystem: q.ecosystem, name: q.name }, origin: q.origin, versions: await this.queries.distribution(q, q.origin) };
  }

  /** Applications behind a minimum version (some declaration or instance below it, or unresolved). */
  @Get('behind')
  async behind(@Query() query: Record<string, unknown>) {
    const q = parseRequest(component.extend({ minVersion: z.string({ error: 'is required' }).min(1, 'is required') }), query);
    return { component: { ecosystem: q.ecosystem, name: q.name }, minVersion: q.minVersion, applications: await this.queries.behind(q, q.minVersion) };
  }

  /** On-demand source scan of an application's repository at a ref (default: the default branch). */
  @Post('applications/:application/scan')
  @HttpCode(200)
  async scan(@Param('application') app: string, @Body() body: unknown) {
    const q = parseRequest(z.object({ application, repoUrl: z.string({ error: 'is required' }).min(1, 'is required'), ref: z.string().min(1).default('HEAD') }), { ...(body as object), application: app });
    const s = await this.sources.scan(q.application, q.repoUrl, q.ref).catch((err: unknown) => {
      throw isShipshapeError(err, 'DETECTION.APPLICATION_DELETED') ? new ConflictException({ statusCode: 409, error: 'Conflict', message: err.message }) : err;
    });
    return { application: s.application, commit: s.commit, components: s.result.components.length, manifests: s.result.manifests, errors: s.result.errors, changes: s.changes };
  }

  /** Runtime reading of a configured instance (applications Shipshape does not deploy). */
  @Post('applications/:application/instances/:instance/scan')
  @HttpCode(200)
  async scanInstance(@Param('application') app: string, @Param('instance') instance: string, @Body() body: unknown): Promise<InstanceReading> {
    const q = parseRequest(
      z.object({ application, instance: z.string().min(1), address: z.string({ error: 'is required' }).min(1, 'is required'), componentsPath: z.string().startsWith('/').optional(), artifact: z.string().optional(), appDir: z.string().optional() }),
      { ...(body as object), application: app, instance },
    );
    return this.runtime.scan(q);
  }
}
