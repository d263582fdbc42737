import { bootstrapService } from '@shipshape/service-kit';
import { CHANGE_SERVICE_SERVICE } from './service';

void bootstrapService(CHANGE_SERVICE_SERVICE);
