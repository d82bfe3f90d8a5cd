import { defineConfig } from 'vitest/config';

/**
 * Vitest settings every package shares: workspace packages resolve to their
 * TypeScript sources (the `@memvisor/source` export condition), so tests never
 * need a prior build.
 */
export function memvisorVitestConfig(overrides: { testTimeout?: number } = {}) {
  const conditions = ['@memvisor/source', 'node', 'import', 'module', 'default'];
  return defineConfig({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@memvisor/source'] } },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: overrides.testTimeout ?? 30_000,
      pool: 'forks',
    },
  });
}
