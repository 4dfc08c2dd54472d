#!/usr/bin/env node
/**
 * Mutation testing of one module with only the unit tests that exercise it:
 *   node test/mutation/module.mjs deploy-apply        (npm run test:mutation:module -- deploy-apply)
 *   node test/mutation/module.mjs                     (lists the modules)
 * The whole set (`npm run test:mutation`) runs every unit test in Stryker's initial run and takes hours on a
 * shared 2-core machine; one module takes minutes, and two modules may run side by side (each has its own sandbox
 * directory and report). Results: reports/mutation/<module>.json and, for the next
 * run of the same module, reports/mutation/<module>.incremental.json (only changed code/tests are re-run).
 */
import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

const u = (names) => names.map((n) => `test/unit/${n}.test.ts`)

/** module -> files mutated, unit tests that cover them. */
export const modules = {
  config: {
    mutate: ['src/config/**/*.ts'],
    // Not fuzz-config: its 400 random files cover nearly every mutant at 2 s a run and only catch crashes; the
    // targeted tests below are what must notice a changed rule.
    tests: u([
      'config-loader',
      'config-safety',
      'config-create-select',
      'config-rules',
      'ssh-config',
      'ssh-config-rules',
      'ssh-reach',
      'deploy-plan',
      'plan-secrets',
      'preflight-rules',
    ]),
  },
  'deploy-chain-table': {mutate: ['src/deploy/chain-table.ts'], tests: u(['chain-table', 'cluster-growth-plan'])},
  'deploy-plan': {
    mutate: ['src/deploy/plan.ts'],
    tests: u(['deploy-plan', 'plan-json', 'deploy-3fs-facts', 'plan-secrets', 'cluster-growth-plan', 'apply']),
  },
  'deploy-apply': {mutate: ['src/deploy/apply.ts'], tests: u(['apply'])},
  'deploy-state': {mutate: ['src/deploy/state.ts'], tests: u(['deploy-state', 'apply', 'cluster-growth-plan'])},
  'status-judge': {
    mutate: ['src/status/judge.ts', 'src/status/rules/*.ts'],
    tests: u([
      'status-judge',
      'status-judge-edges',
      'status-rules',
      'status-rules-admin-chains',
      'status-rules-nodes',
      'status-rf3',
      'status-node-ids',
      'probe-protocol',
    ]),
  },
  // The parsers status reads a node's probe with: FoundationDB's status JSON, the probe's sections and records,
  // containers/mount/disks from them.
  'status-parsers': {
    mutate: ['src/status/fdb.ts', 'src/status/node-state.ts', 'src/cluster/probe-protocol.ts'],
    tests: u([
      'status-parsers',
      'probe-protocol',
      'status-rules',
      'status-rules-nodes',
      'status-rules-admin-chains',
      'status-judge',
      'status-judge-edges',
    ]),
  },
  'admin-cli-output': {
    mutate: ['src/cluster/admin-cli-output.ts'],
    tests: u(['admin-cli', 'admin-cli-edges', 'status-rules']),
  },
  'remote-upload': {mutate: ['src/remote/upload.ts'], tests: u(['upload', 'upload-paths', 'local-host'])},
  'remote-host': {mutate: ['src/remote/host.ts'], tests: u(['remote-host', 'local-host', 'upload'])},
  'remote-known-hosts': {mutate: ['src/remote/known-hosts.ts'], tests: u(['known-hosts', 'known-hosts-format'])},
}

const name = process.argv[2]
if (!name || !modules[name]) {
  console.log(`modules: ${Object.keys(modules).join(', ')}`)
  process.exit(name ? 2 : 0)
}
const m = modules[name]
// One run per module at a time: two would share the incremental file and the sandbox directory.
const lock = `reports/mutation/${name}.lock`
mkdirSync('reports/mutation', {recursive: true})
try {
  writeFileSync(lock, String(process.pid), {flag: 'wx'})
} catch {
  console.error(`${name} is already being mutation-tested (${lock} exists; remove it if no such run is left)`)
  process.exit(2)
}
const tests = m.tests.filter((t) => existsSync(t))
// Stryker ends its vitest workers without the global setup's teardown, which left each run's test directory
// (100 MB, hundreds of entries) in /tmp: the run gets a temporary directory of its own, removed afterwards.
const scratch = mkdtempSync(join(tmpdir(), '3fs-cli-mutation-'))
const r = spawnSync(
  'npx',
  [
    'stryker',
    'run',
    '--mutate',
    m.mutate.join(','),
    '--incremental',
    '--incrementalFile',
    `reports/mutation/${name}.incremental.json`,
    ...process.argv.slice(3),
  ],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      MUTATION_TESTS: tests.join(','),
      MUTATION_REPORT: `reports/mutation/${name}.json`,
      MUTATION_TEMP_DIR: `.stryker-tmp-${name}`,
      TMPDIR: scratch,
    },
  },
)
rmSync(scratch, {recursive: true, force: true})
rmSync(lock, {force: true})
process.exit(r.status ?? 1)
