import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Workspace packages resolve to their TypeScript sources in tests, so no build is needed first.
const alias = {
  '@shipshape/contracts': src('./contracts/src/index.ts'),
  '@shipshape/messaging': src('./libs/messaging/src/index.ts'),
  '@shipshape/telemetry': src('./libs/telemetry/src/index.ts'),
  '@shipshape/testkit': src('./libs/testkit/src/index.ts'),
  '@shipshape/service-kit': src('./libs/service-kit/src/index.ts'),
  '@shipshape/manifests': src('./libs/manifests/src/index.ts'),
};

// SWC, not esbuild: NestJS dependency injection needs emitDecoratorMetadata.
const plugins = [swc.vite({ module: { type: 'es6' }, jsc: { target: 'es2022' } })];
const exclude = ['**/node_modules/**', '**/dist/**', '.local/**'];

export default defineConfig({
  test: {
    reporters: ['default', './scripts/test/plain-summary.reporter.mts'],
    projects: [
      {
        plugins,
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['**/*.spec.ts'],
          exclude: [...exclude, '**/*.int.spec.ts', '**/*.e2e.spec.ts'],
        },
      },
      {
        plugins,
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['**/*.int.spec.ts', '**/*.e2e.spec.ts'],
          exclude,
          // Resolves Kafka and Postgres once (env, else .local/stack.env, else testcontainers) before workers start.
          globalSetup: ['libs/testkit/src/global-setup.ts'],
          // Real Kafka and Postgres on a 2-core machine: one file at a time keeps timings honest.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
