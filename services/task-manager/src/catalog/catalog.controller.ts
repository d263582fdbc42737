import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { parseInput } from '../http/validation';
import { applicationPatchSchema, applicationSchema, type ApplicationRecord } from './application.schema';
import { CatalogService, listQuerySchema, type ImportOutcome } from './catalog.service';

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;

@ApiTags('applications')
@Controller('api/applications')
export class CatalogController {
  constructor(private readonly catalog: CatalogService) {}

  @Post('import')
  @HttpCode(200)
  @ApiOperation({ summary: 'Import a fleet from YAML or JSON (a list, or { applications: [...] }); upserts by name, all or nothing' })
  @ApiBody({ schema: { oneOf: [{ type: 'array', items: jsonSchema(applicationSchema) }, { type: 'string', description: 'YAML or JSON text (Content-Type text/yaml, application/yaml or text/plain)' }] } })
  import(@Body() body: unknown): Promise<ImportOutcome> {
    return this.catalog.import(body);
  }

  @Post()
  @ApiOperation({ summary: 'Add one application' })
  @ApiBody({ schema: jsonSchema(applicationSchema) })
  create(@Body() body: unknown): Promise<ApplicationRecord> {
    return this.catalog.create(body);
  }

  @Get()
  @ApiOperation({ summary: 'List applications, optionally by team or service' })
  list(@Query() query: unknown): Promise<ApplicationRecord[]> {
    return this.catalog.list(parseInput(listQuerySchema, query));
  }

  @Get(':name')
  get(@Param('name') name: string): Promise<ApplicationRecord> {
    return this.catalog.get(name);
  }

  @Patch(':name')
  @ApiOperation({ summary: 'Change fields of one application' })
  @ApiBody({ schema: jsonSchema(applicationPatchSchema) })
  update(@Param('name') name: string, @Body() body: unknown): Promise<ApplicationRecord> {
    return this.catalog.update(name, body);
  }

  @Delete(':name')
  @HttpCode(204)
  remove(@Param('name') name: string): Promise<void> {
    return this.catalog.remove(name);
  }
}
