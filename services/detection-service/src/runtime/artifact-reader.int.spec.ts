import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFatJar } from '../testing/fat-jar.fixture';
import { readJarComponents, readNodeModules } from './artifact-reader';

let dir: string;
let jar: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'detection-jar-'));
  jar = buildFatJar(dir, '1.4.2');
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reading a real fat jar built with javac and jar', () => {
  it('finds the application, and each nested library by pom.properties, manifest or file name', () => {
    const found = readJarComponents(readFileSync(jar), 'orders-api.jar').map((e) => [e.name, e.version, e.kind, e.direct, e.declaredFile]);
    expect(found[0]).toEqual(['com.acme.orders:orders-api', '2.7.0', 'pom-properties', true, 'orders-api.jar!/META-INF/maven/com.acme.orders/orders-api/pom.properties']);
    expect(found).toHaveLength(4);
    const nested = Object.fromEntries(found.slice(1).map(([name, version, kind]) => [name as string, `${version} ${kind}`]));
    expect(nested).toEqual({
      'com.acme:rpc-client': '1.4.2 pom-properties',
      'legacy-util': '0.9.1 jar-manifest',
      'commons-tiny': '2.1 jar-file-name',
    });
  });

  it('refuses a file that is not a zip with a typed error', () => {
    expect(() => readJarComponents(Buffer.from('not a jar at all, just text'), 'broken.jar')).toThrow(expect.objectContaining({ code: 'DETECTION.BAD_ARCHIVE' }));
  });
});

describe('reading a real node_modules tree', () => {
  it('lists packages (scoped and nested) with the versions installed; direct = declared by the app', () => {
    const repoModules = join(__dirname, '..', '..', '..', '..', 'node_modules');
    const app = join(dir, 'node-app');
    mkdirSync(join(app, 'node_modules', '@nestjs'), { recursive: true });
    // Real installed packages copied from the workspace install: zod at top level, @nestjs/common scoped, yaml nested under zod.
    cpSync(join(repoModules, 'zod'), join(app, 'node_modules', 'zod'), { recursive: true });
    cpSync(join(repoModules, '@nestjs', 'common'), join(app, 'node_modules', '@nestjs', 'common'), { recursive: true, filter: (p) => !p.includes('node_modules/@nestjs/common/node_modules') });
    cpSync(join(repoModules, 'yaml'), join(app, 'node_modules', 'zod', 'node_modules', 'yaml'), { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'node-app', dependencies: { zod: '*', '@nestjs/common': '*' } }));
    const version = (p: string) => (JSON.parse(readFileSync(join(repoModules, p, 'package.json'), 'utf8')) as { version: string }).version;

    const found = readNodeModules(app).map((e) => [e.name, e.version, e.direct, e.declaredFile]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(found).toEqual([
      ['@nestjs/common', version('@nestjs/common'), true, 'node_modules/@nestjs/common/package.json'],
      ['yaml', version('yaml'), false, 'node_modules/zod/node_modules/yaml/package.json'],
      ['zod', version('zod'), true, 'node_modules/zod/package.json'],
    ]);
  });
});
