import { bootstrapService } from '@shipshape/service-kit';
import { RELEASE_SERVICE_SERVICE } from './service';

void bootstrapService(RELEASE_SERVICE_SERVICE);
