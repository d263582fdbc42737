import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FailureLog } from './failure-log';
import { createLogger } from './logger';

function setup(): { log: FailureLog; lines: () => Record<string, unknown>[]; advance: (ms: number) => void } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  let now = 1_000_000;
  const logger = createLogger('failure-log-spec', {}, { destination: stream, level: 'info' });
  const log = new FailureLog(logger, { failed: 'poll failed', recovered: 'poll works again', intervalMs: 10_000, now: () => now });
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, lines, advance: (ms) => (now += ms) };
}

describe('FailureLog', () => {
  it('logs the first failure, then one line per interval with the count, then one line when it works again', () => {
    const { log, lines, advance } = setup();

    // 700 failures 10 ms apart (7 s): one line
    for (let i = 0; i < 700; i++) {
      log.failure(new Error('connection refused'), { job: 'dispatch' });
      advance(10);
    }
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatchObject({ level: 'error', msg: 'poll failed', job: 'dispatch', failures: 1, failuresSinceLastLine: 1, failingForMs: 0, err: { message: 'connection refused' } });

    // 3 s more of failures: the 10 s interval passes once
    for (let i = 0; i < 301; i++) {
      log.failure(new Error('connection refused'));
      advance(10);
    }
    expect(lines()).toHaveLength(2);
    expect(lines()[1]).toMatchObject({ level: 'error', msg: 'poll failed', failures: 1001, failuresSinceLastLine: 1000, failingForMs: 10_000 });
    expect(log.failing).toBe(true);

    log.success();
    log.success();
    expect(lines()).toHaveLength(3);
    expect(lines()[2]).toEqual(expect.objectContaining({ level: 'info', msg: 'poll works again', failures: 1001, failedForMs: 10_010 }));
    expect(log.failing).toBe(false);
  });

  it('says nothing while it works, and treats a failure after a recovery as a new first failure', () => {
    const { log, lines, advance } = setup();
    log.success();
    expect(lines()).toEqual([]);

    log.failure(new Error('down'));
    advance(1);
    log.success();
    advance(1);
    log.failure(new Error('down again'));

    expect(lines().map((l) => [l.msg, l.failures])).toEqual([
      ['poll failed', 1],
      ['poll works again', 1],
      ['poll failed', 1],
    ]);
  });
});
