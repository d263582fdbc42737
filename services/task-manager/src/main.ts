import { bootstrapService } from '@shipshape/service-kit';
import { TASK_MANAGER_SERVICE, messagingFor } from './service';

void bootstrapService({ ...TASK_MANAGER_SERVICE, messaging: messagingFor(process.env) });
