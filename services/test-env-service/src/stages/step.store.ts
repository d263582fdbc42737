import type { StepCommand } from '@shipshape/contracts';
import type { SqlExecutor } from '@shipshape/messaging';
import type { Database } from '../environments/environment.store';

export interface ClaimedStep {
  readonly stepId: string;
  readonly command: StepCommand;
}

/** Accepted steps (table test_env_steps): recorded by the handler, claimed and finished by the worker. */
export class StepStore {
  constructor(private readonly db: Database) {}

  /** Records an accepted step inside the handler's transaction; a step already recorded is left alone. */
  static async accept(tx: SqlExecutor, cmd: StepCommand): Promise<void> {
    await tx.query(
      `INSERT INTO test_env_steps (step_id, run_id, stage, command, state) VALUES ($1, $2, $3, $4, 'pending') ON CONFLICT (step_id) DO NOTHING`,
      [cmd.stepId, cmd.runId, cmd.stage, JSON.stringify(cmd)],
    );
  }

  /** Claims the oldest pending step (or one whose worker's lease ran out) for leaseMs. */
  async claim(leaseMs: number): Promise<ClaimedStep | null> {
    const rows: { step_id: string; command: StepCommand }[] = await this.db.query(
      `WITH next AS (
         SELECT step_id FROM test_env_steps
          WHERE (state = 'pending' AND (locked_until IS NULL OR locked_until < now())) OR (state = 'running' AND locked_until < now())
          -- Releases and verifies first: they free or use slots that queued deploys wait for.
          ORDER BY stage = 'test-deploy', created_at LIMIT 1 FOR UPDATE SKIP LOCKED),
       claimed AS (
         UPDATE test_env_steps s SET state = 'running', locked_until = now() + make_interval(secs => $1), updated_at = now()
           FROM next WHERE s.step_id = next.step_id RETURNING s.step_id, s.command)
       SELECT * FROM claimed`,
      [leaseMs / 1000],
    );
    const row = rows[0];
    return row ? { stepId: row.step_id, command: row.command } : null;
  }

  /** Gives a claimed step back (e.g. a deploy waiting for a slot), to be claimed again after delayMs. */
  async requeue(stepId: string, delayMs: number): Promise<void> {
    await this.db.query(`UPDATE test_env_steps SET state = 'pending', locked_until = now() + make_interval(secs => $2), updated_at = now() WHERE step_id = $1`, [stepId, delayMs / 1000]);
  }

  async extendLease(stepId: string, leaseMs: number): Promise<void> {
    await this.db.query(`UPDATE test_env_steps SET locked_until = now() + make_interval(secs => $2) WHERE step_id = $1 AND state = 'running'`, [stepId, leaseMs / 1000]);
  }

  /** Marks the step done with its result, inside the transaction that puts the result in the outbox. */
  static async finish(tx: SqlExecutor, stepId: string, result: unknown): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `WITH u AS (UPDATE test_env_steps SET state = 'done', result = $2, locked_until = NULL, updated_at = now() WHERE step_id = $1 AND state <> 'done' RETURNING step_id)
       SELECT * FROM u`,
      [stepId, JSON.stringify(result)],
    );
    return rows.length > 0;
  }
}
