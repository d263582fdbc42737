import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getClosedPort } from '@shipshape/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ecosystemOfReported, readEndpoint } from './endpoint-reader';

let server: Server;
let address: string;
const bodies: Record<string, string> = {
  '/list': JSON.stringify({ components: [{ ecosystem: 'maven', name: 'com.acme:rpc-client', version: '1.4.2' }, { name: 'left-pad', version: '1.3.0' }], artifact: '/opt/app.jar', agents: ['/opt/agents/otel-1.32.0.jar', 42] }),
  '/map': JSON.stringify({ components: { 'com.acme:rpc-client': '1.4.1', express: '4.18.3' } }),
  '/none': JSON.stringify({ status: 'UP' }),
  '/garbage': '<html>',
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const body = bodies[req.url ?? ''];
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(body ?? '{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('readEndpoint', () => {
  it('reads a list of components and the artifact path', async () => {
    const r = await readEndpoint(address, '/list', 2000);
    expect(r.components.map((c) => [c.ecosystem, c.name, c.version, c.kind])).toEqual([
      ['maven', 'com.acme:rpc-client', '1.4.2', 'endpoint'],
      ['npm', 'left-pad', '1.3.0', 'endpoint'],
    ]);
    expect(r.artifact).toBe('/opt/app.jar');
    expect(r.agents).toEqual(['/opt/agents/otel-1.32.0.jar']);
  });
  it('reads a coordinates → version map', async () => {
    const r = await readEndpoint(`http://${address}`, '/map', 2000);
    expect(r.components.map((c) => `${c.ecosystem} ${c.name}@${c.version}`)).toEqual(['maven com.acme:rpc-client@1.4.1', 'npm express@4.18.3']);
  });
  it('fails with a typed error naming the host: 404, no components, not JSON, nobody listening', async () => {
    await expect(readEndpoint(address, '/missing', 2000)).rejects.toMatchObject({ code: 'DETECTION.INSTANCE_UNREADABLE', details: { host: address } });
    await expect(readEndpoint(address, '/none', 2000)).rejects.toThrow(/no "components"/);
    await expect(readEndpoint(address, '/garbage', 2000)).rejects.toMatchObject({ code: 'DETECTION.INSTANCE_UNREADABLE' });
    const closed = await getClosedPort();
    await expect(readEndpoint(`127.0.0.1:${closed}`, '/list', 2000)).rejects.toMatchObject({ code: 'DETECTION.INSTANCE_UNREADABLE' });
  });
});

describe('ecosystemOfReported', () => {
  it('maps names reported without an ecosystem', () => {
    expect(['agent', 'skywalking-agent', 'opentelemetry-javaagent', 'java', 'com.acme:rpc-client', 'express'].map(ecosystemOfReported)).toEqual(['java-agent', 'java-agent', 'java-agent', 'jdk', 'maven', 'npm']);
  });
});
