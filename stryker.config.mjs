/**
 * Mutation testing of the modules whose logic decides what a deploy does and what a user is told:
 * `npm run test:mutation` (all of them; slow) or, one module at a time while working on its tests,
 * `npx stryker run --mutate src/deploy/apply.ts`. Not part of `npm test`.
 * Concurrency 1: the machines this runs on are shared.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: {configFile: 'vitest.mutation.config.ts', related: false},
  coverageAnalysis: 'perTest',
  concurrency: 1,
  mutate: [
    'src/config/**/*.ts',
    'src/deploy/chain-table.ts',
    'src/deploy/plan.ts',
    'src/deploy/apply.ts',
    'src/deploy/state.ts',
    'src/status/judge.ts',
    'src/status/rules/*.ts',
    'src/cluster/admin-cli-output.ts',
    'src/remote/upload.ts',
    'src/remote/host.ts',
    'src/remote/known-hosts.ts',
  ],
  ignorePatterns: ['reports', 'dist', '.stryker-tmp*', 'tmp'],
  reporters: ['clear-text', 'progress', 'json'],
  // test/mutation/module.mjs names both per module, so that two modules can run side by side.
  jsonReporter: {fileName: process.env.MUTATION_REPORT ?? 'reports/mutation/mutation.json'},
  thresholds: {high: 90, low: 80, break: 80},
  timeoutMS: 20_000,
  tempDirName: process.env.MUTATION_TEMP_DIR ?? '.stryker-tmp',
  cleanTempDir: 'always',
}
