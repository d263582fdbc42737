import { Module } from '@nestjs/common';
import { MergeRequestsController } from './merge-requests.controller';

/** The built-in merge request provider's REST read access. */
@Module({ controllers: [MergeRequestsController] })
export class MergeRequestsModule {}
