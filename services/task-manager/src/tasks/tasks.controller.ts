import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { taskSchema } from './task.schema';
import { TasksService, type TaskControlOutcome, type TaskPlan, type TaskView } from './tasks.service';

@ApiTags('tasks')
@Controller('api/tasks')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Post()
  @ApiOperation({
    summary:
      "Create a task: resolves the selection (teams, services, application names, and/or usingComponent: the applications detection-service's inventory says use the component in fromRange) into one run per application and returns the plan; nothing starts yet. 503 when detection-service cannot answer a usingComponent selection",
  })
  @ApiBody({ schema: z.toJSONSchema(taskSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown> })
  create(@Body() body: unknown): Promise<TaskPlan> {
    return this.tasks.create(body);
  }

  @Get()
  list(): Promise<TaskView[]> {
    return this.tasks.list();
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<TaskView> {
    return this.tasks.get(id);
  }

  @Get(':id/runs')
  runs(@Param('id') id: string): Promise<unknown[]> {
    return this.tasks.runs(id);
  }

  @Post(':id/start')
  @HttpCode(200)
  @ApiOperation({ summary: 'Start every run of a planned task' })
  start(@Param('id') id: string): Promise<TaskView> {
    return this.tasks.start(id);
  }

  @Post(':id/pause')
  @HttpCode(200)
  pause(@Param('id') id: string): Promise<TaskControlOutcome> {
    return this.tasks.control(id, 'pause');
  }

  @Post(':id/resume')
  @HttpCode(200)
  resume(@Param('id') id: string): Promise<TaskControlOutcome> {
    return this.tasks.control(id, 'resume');
  }

  @Post(':id/abort')
  @HttpCode(200)
  abort(@Param('id') id: string): Promise<TaskControlOutcome> {
    return this.tasks.control(id, 'abort');
  }
}
