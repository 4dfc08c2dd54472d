import {defineConfig} from 'vitest/config'

/**
 * The fast unit tests only, for mutation testing (`npm run test:mutation`): no SSH test hosts, no
 * native sort runs. Stryker runs them once per mutant, for the tests that cover the mutated code.
 * MUTATION_TESTS (comma-separated files) narrows the set further, so a one-module run
 * (test/mutation/module.mjs) does not pay for the whole unit suite in its initial run.
 */
const only = process.env.MUTATION_TESTS?.split(',').filter(Boolean)

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    include: only?.length ? only : ['test/unit/**/*.test.ts'],
    // worker-graysort and io-engines run the native sort and I/O engines (slow, and covered by test:mutation:native);
    // manifest checks generated files against dist/, which the mutation sandbox does not build.
    exclude: ['test/unit/worker-graysort.test.ts', 'test/unit/io-engines.test.ts', 'test/unit/manifest.test.ts'],
    testTimeout: 60_000,
  },
})
