// A service main.ts for bootstrap.spec.ts: boots an empty module through bootstrapService.
import { Module } from '@nestjs/common';
import { bootstrapService } from '../bootstrap';

@Module({})
class EmptyModule {}

void bootstrapService({ service: 'task-manager', module: EmptyModule, migrations: [] });
