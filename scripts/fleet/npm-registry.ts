/**
 * A minimal read-only npm registry for the sample fleet's `@shipshape-sample/*` packages: serves the
 * packuments and tarballs that `components.ts` packed into `<out>/npm` (index.json). The fleet's npm
 * applications point their scope at it in `.npmrc`, so `npm ci`, `npm install` and the npm recipe's
 * `npm install --package-lock-only` resolve 1.4.0 and 2.0.0 without the public registry.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { NpmTarball } from './components';

export interface FleetRegistry {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

function packument(name: string, tarballs: readonly NpmTarball[], base: string): Record<string, unknown> {
  const mine = tarballs.filter((t) => t.name === name);
  const versions: Record<string, unknown> = {};
  for (const t of mine) {
    const pkg = JSON.parse(JSON.stringify({ name: t.name, version: t.version, main: 'index.js', license: 'Apache-2.0' })) as Record<string, unknown>;
    versions[t.version] = { ...pkg, dist: { tarball: `${base}${tarballPath(t)}`, integrity: t.integrity, shasum: t.shasum } };
  }
  return { name, 'dist-tags': { latest: mine.at(-1)?.version }, versions };
}

/** `/@scope/name/-/name-1.0.0.tgz`, the path npm itself uses. */
export function tarballPath(t: Pick<NpmTarball, 'name' | 'version'>): string {
  const bare = t.name.replace(/^@[^/]+\//, '');
  return `/${t.name}/-/${bare}-${t.version}.tgz`;
}

/** Starts the registry on 127.0.0.1:`port` (0 = any free port). */
export async function startFleetRegistry(npmDir: string, port: number): Promise<FleetRegistry> {
  const tarballs = JSON.parse(readFileSync(join(npmDir, 'index.json'), 'utf8')) as NpmTarball[];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    const base = `http://${req.headers.host ?? `127.0.0.1:${port}`}`;
    const tarball = tarballs.find((t) => tarballPath(t) === path);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
    } else if (tarball) {
      const data = readFileSync(join(npmDir, tarball.file));
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length }).end(data);
    } else if (tarballs.some((t) => `/${t.name}` === path)) {
      const body = JSON.stringify(packument(path.slice(1), tarballs, base));
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}/`,
    port: actual,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
