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
    'src/status/fdb.ts',
    'src/status/node-state.ts',
    'src/cluster/probe-protocol.ts',
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
  // Surviving mutants judged equivalent (no behaviour can tell them apart), as of the last per-module runs:
  // - deploy/state.ts readLocalState `catch {}` -> `{}`: both return undefined.
  // - remote/host.ts stopProcessGroup's `finally(() => pendingStops.delete(...))` removed, and settleStops'
  //   `size === 0` early return removed: settleStops then races already-settled promises, which resolves at
  //   once (only memory is held longer); probeSudo's `{kind: 'root'}` -> `{}` / kind '': root is exactly
  //   "neither passwordless nor password", so runRaw builds the same script.
  // - remote/upload.ts `currentMode!.trim()` -> `currentMode!`: split('\n') leaves no whitespace and parseInt
  //   skips it anyway; dropping `trap - EXIT` after the rename: the trap's rm -f then finds no temp file;
  //   the tree sort's `<`/`<=` swaps: names in one directory are unique, never equal; `buffer: {stdout: true}`
  //   only buffers what is also streamed.
  // - cluster/admin-cli-output.ts: ERROR_LINE without `$` (`(.*)` already runs to the end of the one line);
  //   `detail === ''` (detail is `match[3] || next line || undefined`, never ''); isTargetAlreadyExists'
  //   `?? ''` -> any other text (neither matches the pattern); the header scan to `<= length` (the line is
  //   right-trimmed, so no column starts past its end); cell()'s `index >= 0` -> true (row[-1] is undefined,
  //   giving '' too); STATUS_CELL with `(x/n)` made mandatory (a bare status then falls back to the same
  //   text); target cells split on `\s` instead of `\s+` (empty pieces are filtered out).
  // - status/judge.ts: rules run on unreachable nodes too (they hold no containers, mount or disks); the node-id
  //   map without its filter (ids are unique; every read has a fallback); the sort's tie-break `a.index + b.index`
  //   (V8 keeps equal elements in order either way); rules/disks.ts, mounts.ts, services.ts `!== undefined`
  //   checks -> true (undefined / n is NaN, and comparisons with undefined are false).
  // - config: yaml messages never carry " at line N" with prettyErrors off (loader.ts:61, :72); yaml's default
  //   maxAliasCount is 100 (:145); zod paths hold no symbols (:203); locate.ts range checks (parsed nodes always
  //   have a range); the upper chain-id bound can never equal 2^53-1 (semantic.ts:393); ssh-config.ts word
  //   splitting index checks (indexOf never returns 0 there, :81-87) and readdirSync's order (:134).

  timeoutMS: 20_000,
  tempDirName: process.env.MUTATION_TEMP_DIR ?? '.stryker-tmp',
  cleanTempDir: 'always',
}
