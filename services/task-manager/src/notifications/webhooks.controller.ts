import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { WebhooksService, webhookSchema, type WebhookView } from './webhooks.service';

@ApiTags('notifications')
@Controller('api/teams/:team/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiOperation({
    summary: "Register a webhook for a team's notices: each notice is POSTed as JSON with X-Shipshape-Signature: sha256=<HMAC-SHA256 of the body with the secret>, retried with backoff",
  })
  @ApiBody({ schema: z.toJSONSchema(webhookSchema, { io: 'input' }) as Record<string, unknown> })
  register(@Param('team') team: string, @Body() body: unknown): Promise<WebhookView> {
    return this.webhooks.register(team, body);
  }

  @Get()
  list(@Param('team') team: string): Promise<WebhookView[]> {
    return this.webhooks.list(team);
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@Param('team') team: string, @Param('id') id: string): Promise<void> {
    return this.webhooks.remove(team, id);
  }
}
