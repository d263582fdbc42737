import { Body, ConflictException, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { isShipshapeError } from '@shipshape/contracts';
import { ApiBadRequestResponse, ApiBody, ApiConflictResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
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
const scanBody = z.object({ repoUrl: z.string({ error: 'is required' }).min(1, 'is required').describe('git remote of the repository'), ref: z.string().min(1).default('HEAD').describe("branch, tag or commit (default: the remote's default branch)") });
const instanceScanBody = z.object({
  address: z.string({ error: 'is required' }).min(1, 'is required').describe('host:port of the instance'),
  componentsPath: z.string().startsWith('/').optional().describe('path of its components endpoint (default DETECTION_COMPONENTS_PATH)'),
  artifact: z.string().optional().describe('deployed jar to read directly'),
  appDir: z.string().optional().describe('deployed Node application directory (node_modules) to read directly'),
  agents: z.array(z.string().min(1)).optional().describe('JavaAgent jars the instance was started with (-javaagent:), read directly'),
});

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
const ecosystemQuery = ApiQuery({ name: 'ecosystem', required: true, enum: ECOSYSTEMS, description: 'maven (Gradle too), npm, docker, jdk or java-agent' });
const nameQuery = ApiQuery({ name: 'name', required: true, description: 'component name, e.g. com.acme:rpc-client or @scope/pkg' });
const originQuery = (description: string) => ApiQuery({ name: 'origin', required: false, enum: ORIGINS, description });
const applicationParam = ApiParam({ name: 'application', description: 'application name (letters, digits, ., _ or -)' });

/** Dependency dashboards and on-demand scans: `/api/inventory/...`. */
@ApiTags('inventory')
@ApiBadRequestResponse({ description: 'bad input: `fieldErrors: [{field, message}]`' })
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
  @ApiOperation({ summary: 'Rescan the whole catalog now (every catalog application at its default branch, every live instance); failures are values in the summary' })
  rescan(): Promise<RescanSummary> {
    return this.rescans.rescan();
  }

  @Get('catalog')
  @ApiOperation({ summary: "task-manager's application catalog as detection holds it, with each application's scan state (scanned ref and commit, last scan error)" })
  async catalog(): Promise<{ applications: Record<string, unknown>[] }> {
    return { applications: await this.queries.catalog() };
  }

  @Get('applications')
  @ApiOperation({ summary: 'Applications scanned: repository, ref, commit, manifests, unreadable files' })
  async applications(): Promise<{ applications: Record<string, unknown>[] }> {
    return { applications: await this.queries.applications() };
  }

  /** Components of one application (SOURCE declarations and RUNTIME readings, or one origin). */
  @Get('applications/:application/components')
  @ApiOperation({ summary: 'Components of one application: what its source declares and what its instances load' })
  @applicationParam
  @originQuery('SOURCE or RUNTIME (default both)')
  async components(@Param('application') app: string, @Query() query: Record<string, unknown>) {
    const q = parseRequest(z.object({ application, origin: origin.optional() }), { ...query, application: app });
    return { application: q.application, components: await this.queries.components(q.application, q.origin) };
  }

  /** Applications using a component and at which versions (source and runtime). */
  @Get('usage')
  @ApiOperation({ summary: 'Applications using a component, with their source and runtime versions and every declaration' })
  @ecosystemQuery
  @nameQuery
  async usage(@Query() query: Record<string, unknown>) {
    const q = parseRequest(component, query);
    return { component: q, applications: await this.queries.usage(q) };
  }

  /** Version distribution of a component across the fleet. */
  @Get('distribution')
  @ApiOperation({ summary: 'Version distribution of a component across the fleet' })
  @ecosystemQuery
  @nameQuery
  @originQuery('SOURCE (default) or RUNTIME')
  async distribution(@Query() query: Record<string, unknown>) {
    const q = parseRequest(component.extend({ origin: origin.default('SOURCE') }), query);
    return { component: { ecosystem: q.ecosystem, name: q.name }, origin: q.origin, versions: await this.queries.distribution(q, q.origin) };
  }

  /** Applications behind a minimum version (some declaration or instance below it, or unresolved). */
  @Get('behind')
  @ApiOperation({ summary: 'Applications with a declaration or instance below a minimum version (or unresolved)' })
  @ecosystemQuery
  @nameQuery
  @ApiQuery({ name: 'minVersion', required: true, description: 'minimum version, e.g. 2.0.0' })
  async behind(@Query() query: Record<string, unknown>) {
    const q = parseRequest(component.extend({ minVersion: z.string({ error: 'is required' }).min(1, 'is required') }), query);
    return { component: { ecosystem: q.ecosystem, name: q.name }, minVersion: q.minVersion, applications: await this.queries.behind(q, q.minVersion) };
  }

  /** On-demand source scan of an application's repository at a ref (default: the default branch). */
  @Post('applications/:application/scan')
  @HttpCode(200)
  @ApiOperation({ summary: "Scan an application's repository at a ref now" })
  @applicationParam
  @ApiBody({ schema: jsonSchema(scanBody) })
  @ApiConflictResponse({ description: 'the application was deleted from the catalog' })
  async scan(@Param('application') app: string, @Body() body: unknown) {
    const q = parseRequest(scanBody.extend({ application }), { ...(body as object), application: app });
    const s = await this.sources.scan(q.application, q.repoUrl, q.ref).catch((err: unknown) => {
      throw isShipshapeError(err, 'DETECTION.APPLICATION_DELETED') ? new ConflictException({ statusCode: 409, error: 'Conflict', message: err.message }) : err;
    });
    return { application: s.application, commit: s.commit, components: s.result.components.length, manifests: s.result.manifests, errors: s.result.errors, changes: s.changes };
  }

  /** Runtime reading of a configured instance (applications Shipshape does not deploy). */
  @Post('applications/:application/instances/:instance/scan')
  @HttpCode(200)
  @ApiOperation({ summary: 'Read what one instance has loaded now (its components endpoint, else its deployed artifact)' })
  @applicationParam
  @ApiParam({ name: 'instance', description: 'instance id, unique within the application' })
  @ApiBody({ schema: jsonSchema(instanceScanBody) })
  async scanInstance(@Param('application') app: string, @Param('instance') instance: string, @Body() body: unknown): Promise<InstanceReading> {
    const q = parseRequest(
      instanceScanBody.extend({ application, instance: z.string().min(1) }),
      { ...(body as object), application: app, instance },
    );
    return this.runtime.scan(q);
  }
}
