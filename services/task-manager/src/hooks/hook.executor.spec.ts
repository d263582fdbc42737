import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getClosedPort } from '@shipshape/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../notifications/webhook.signature';
import { executeHook, type HookPayload } from './hook.executor';
import { hookSchema } from './hook.schema';

const SECRET = 'a-secret-of-16-chars';
const PAYLOAD: HookPayload = {
  hookId: 'run-1:change:1:before:0',
  phase: 'before',
  stage: 'change',
  attempt: 1,
  stepId: 'run-1:change:1',
  outcome: null,
  message: null,
  task: { id: 'task-1', kind: 'component', component: { ecosystem: 'maven', coordinates: 'com.acme:rpc-client' }, fromRange: '>=1.0 <2.0', toVersion: '2.0.0' },
  run: { id: 'run-1' },
  application: { name: 'alpha', team: 'team-1', service: 'svc', repositoryUrl: '/repos/alpha.git', defaultBranch: 'main' },
};

let server: Server;
let base: string;
const received: Array<{ path: string; headers: IncomingHttpHeaders; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      const status = Number(/\/status\/(\d+)/.exec(req.url ?? '')?.[1] ?? 200);
      if (req.url === '/slow') setTimeout(() => res.end('late'), 2000);
      else res.writeHead(status).end(`answer ${status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const webhook = (path: string, timeoutMs = 5000) => hookSchema.parse({ url: `${base}${path}`, secret: SECRET, timeoutMs });
const command = (text: string, timeoutMs = 5000) => hookSchema.parse({ command: text, timeoutMs });

describe('webhook hooks', () => {
  it('POSTs the payload HMAC-signed with the secret; 2xx succeeds', async () => {
    const r = await executeHook(webhook('/status/204'), PAYLOAD);
    expect(r).toMatchObject({ outcome: 'SUCCEEDED', errorClass: null, httpStatus: 204 });
    const got = received.at(-1)!;
    expect(JSON.parse(got.body)).toEqual(PAYLOAD);
    expect(verifySignature(SECRET, got.body, String(got.headers['x-shipshape-signature']))).toBe(true);
    expect(got.headers['x-shipshape-delivery']).toBe(PAYLOAD.hookId);
  });

  it.each([
    [500, 'TRANSIENT'],
    [503, 'TRANSIENT'],
    [429, 'RATE_LIMITED'],
    [403, 'INVALID_INPUT'],
    [404, 'INVALID_INPUT'],
  ])('fails on HTTP %i as %s, keeping the answer as output', async (status, errorClass) => {
    const r = await executeHook(webhook(`/status/${status}`), PAYLOAD);
    expect(r).toMatchObject({ outcome: 'FAILED', errorClass, httpStatus: status, output: `answer ${status}` });
    expect(r.message).toContain(`answered HTTP ${status}`);
  });

  it('fails TIMEOUT when the webhook is too slow, TRANSIENT when unreachable', async () => {
    expect(await executeHook(webhook('/slow', 200), PAYLOAD)).toMatchObject({ outcome: 'FAILED', errorClass: 'TIMEOUT' });
    const closed = hookSchema.parse({ url: `http://127.0.0.1:${await getClosedPort()}/hook`, secret: SECRET });
    const r = await executeHook(closed, PAYLOAD);
    expect(r).toMatchObject({ outcome: 'FAILED', errorClass: 'TRANSIENT' });
    expect(r.message).toContain('ECONNREFUSED');
  });
});

describe('command hooks', () => {
  it('runs with a shell in a fresh temporary directory with SHIPSHAPE_* variables only', async () => {
    const r = await executeHook(command('pwd; echo "$SHIPSHAPE_APPLICATION $SHIPSHAPE_STAGE $SHIPSHAPE_ATTEMPT $SHIPSHAPE_HOOK_PHASE"; echo "db=${DATABASE_URL:-unset}"; ls -A | wc -l'), PAYLOAD);
    expect(r).toMatchObject({ outcome: 'SUCCEEDED', exitCode: 0 });
    const [cwd, vars, db, files] = r.output.trim().split('\n');
    expect(cwd).toMatch(/shipshape-hook-/);
    expect(vars).toBe('alpha change 1 before');
    expect(db).toBe('db=unset');
    expect(files?.trim()).toBe('0');
  });

  it('fails INVALID_INPUT with the exit code and output when the command fails', async () => {
    const r = await executeHook(command('echo checking; echo "gate closed" >&2; exit 3'), PAYLOAD);
    expect(r).toMatchObject({ outcome: 'FAILED', errorClass: 'INVALID_INPUT', exitCode: 3 });
    expect(r.output).toBe('checking\ngate closed\n');
    expect(r.message).toBe('command exited 3: gate closed');
  });

  it('kills the command and what it started when it times out', async () => {
    const started = Date.now();
    const r = await executeHook(command('sleep 5 & sleep 5; echo never', 300), PAYLOAD);
    expect(r).toMatchObject({ outcome: 'FAILED', errorClass: 'TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r.output).not.toContain('never');
  });
});

describe('hook validation', () => {
  it.each([
    [{}, '', 'must set exactly one of url (a webhook) and command'],
    [{ url: 'http://x', command: 'true', secret: SECRET }, '', 'must set exactly one of url (a webhook) and command'],
    [{ url: 'ftp://x', secret: SECRET }, 'url', 'must be an http(s) URL'],
    [{ url: 'http://x' }, 'secret', 'is required with url: the body is HMAC-signed with it'],
    [{ url: 'http://x', secret: 'short' }, 'secret', 'must be at least 16 characters'],
    [{ command: 'true', secret: SECRET }, 'secret', 'only applies to a webhook (url)'],
    [{ command: '  ' }, 'command', 'must not be empty'],
    [{ command: 'true', timeoutMs: 0 }, 'timeoutMs', 'must be at least 1'],
    [{ command: 'true', shell: 'bash' }, '', 'Unrecognized key: "shell"'],
  ])('refuses %j naming the field', (hook, field, message) => {
    const r = hookSchema.safeParse(hook);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toContainEqual([field, message]);
  });
});
