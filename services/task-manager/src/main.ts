import { bootstrapService } from '@shipshape/service-kit';
import { TASK_MANAGER_SERVICE } from './service';

void bootstrapService(TASK_MANAGER_SERVICE);
