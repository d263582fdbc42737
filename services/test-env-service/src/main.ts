import { bootstrapService } from '@shipshape/service-kit';
import { TEST_ENV_SERVICE_SERVICE } from './service';

void bootstrapService(TEST_ENV_SERVICE_SERVICE);
