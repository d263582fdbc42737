import { bootstrapService } from '@shipshape/service-kit';
import { DETECTION_SERVICE_SERVICE } from './service';

void bootstrapService(DETECTION_SERVICE_SERVICE);
