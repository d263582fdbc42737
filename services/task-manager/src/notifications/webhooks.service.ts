import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@shipshape/service-kit';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import type { TaskManagerConfig } from '../config/task-manager.config';
import { badRequest, fieldErrors, notFound, requireUuid } from '../http/validation';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signBody, webhookBackoffMs } from './webhook.signature';

export const webhookSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  secret: z.string({ error: 'is required' }).min(16, 'must be at least 16 characters'),
});

export interface WebhookView {
  readonly id: string;
  readonly team: string;
  readonly url: string;
  readonly createdAt: string;
}

@Injectable()
export class WebhooksService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: TaskManagerConfig,
  ) {}

  async register(team: string, body: unknown): Promise<WebhookView> {
    const parsed = webhookSchema.safeParse(body ?? {});
    if (!parsed.success) throw badRequest(fieldErrors(parsed.error));
    const [row] = (await this.dataSource.query(
      `INSERT INTO team_webhooks (team, url, secret) VALUES ($1, $2, $3)
       ON CONFLICT (team, url) DO UPDATE SET secret = EXCLUDED.secret RETURNING id, team, url, created_at`,
      [team, parsed.data.url, parsed.data.secret],
    )) as Array<{ id: string; team: string; url: string; created_at: Date }>;
    return { id: row!.id, team: row!.team, url: row!.url, createdAt: row!.created_at.toISOString() };
  }

  async list(team: string): Promise<WebhookView[]> {
    const rows = (await this.dataSource.query('SELECT id, team, url, created_at FROM team_webhooks WHERE team = $1 ORDER BY created_at', [team])) as Array<{
      id: string;
      team: string;
      url: string;
      created_at: Date;
    }>;
    return rows.map((r) => ({ id: r.id, team: r.team, url: r.url, createdAt: r.created_at.toISOString() }));
  }

  async remove(team: string, id: string): Promise<void> {
    requireUuid('webhook', id);
    const rows = (await this.dataSource.query('DELETE FROM team_webhooks WHERE team = $1 AND id = $2 RETURNING id', [team, id])) as [unknown[], number];
    if (rows[1] === 0) throw notFound('webhook', id);
  }

  /**
   * Delivers due notices: POST of the notice JSON, signed with the webhook's secret; a non-2xx
   * answer or a network error is retried with exponential backoff, up to WEBHOOK_MAX_ATTEMPTS.
   * Rows are taken with SKIP LOCKED, so several task-manager processes never deliver one twice at once.
   */
  async deliverDue(): Promise<number> {
    return this.dataSource.transaction(async (tx) => {
      const due = (await tx.query(
        `SELECT d.id, d.payload, d.attempts, w.url, w.secret FROM webhook_deliveries d JOIN team_webhooks w ON w.id = d.webhook_id
          WHERE d.status = 'pending' AND d.next_at <= now() ORDER BY d.next_at LIMIT 20 FOR UPDATE OF d SKIP LOCKED`,
      )) as Array<{ id: string; payload: unknown; attempts: number; url: string; secret: string }>;
      for (const d of due) {
        const body = JSON.stringify(d.payload);
        let error: string | null = null;
        try {
          const res = await fetch(d.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(d.secret, body), [DELIVERY_HEADER]: d.id },
            body,
            signal: AbortSignal.timeout(5_000),
          });
          if (!res.ok) error = `HTTP ${res.status}`;
        } catch (err) {
          error = err instanceof Error ? err.message : String(err);
        }
        const attempts = d.attempts + 1;
        if (error === null) {
          await tx.query(`UPDATE webhook_deliveries SET status = 'delivered', attempts = $2, delivered_at = now(), last_error = NULL WHERE id = $1`, [d.id, attempts]);
        } else {
          const gaveUp = attempts >= this.config.WEBHOOK_MAX_ATTEMPTS;
          await tx.query(
            `UPDATE webhook_deliveries SET status = $2, attempts = $3, last_error = $4, next_at = now() + $5::bigint * interval '1 millisecond' WHERE id = $1`,
            [d.id, gaveUp ? 'failed' : 'pending', attempts, error, webhookBackoffMs(this.config.WEBHOOK_RETRY_INITIAL_MS, attempts)],
          );
        }
      }
      return due.length;
    });
  }
}
