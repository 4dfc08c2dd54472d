/**
 * Issue 15 #10: a plan must not let its reader test password guesses offline. Files holding a secret
 * (clickhouse.env, the monitor's config) have no sha256 in the plan; their fingerprints and content tags
 * are keyed with a random local key; the rest of each file is shown with only the secret values redacted.
 */
import {createHash} from 'node:crypto'
import {mkdtempSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {parseCluster} from '../../src/config/loader.js'
import {buildPlan, planJson} from '../../src/deploy/plan.js'
import {digestKeyPath} from '../../src/deploy/secret-digest.js'

// The key is read on first use: this file's plans use a key in a scratch state directory, not the user's.
process.env.XDG_STATE_HOME = mkdtempSync(join(tmpdir(), '3fs-cli-state-'))

const PASSWORD = 'ch-secret-4711'
const yaml = (password: string) => `name: solo
nodes:
  - {name: n1, host: 10.0.0.1, username: root}
services:
  fdb: {nodes: [n1]}
  clickhouse: {nodes: [n1], password: ${password}}
  monitor: {nodes: [n1]}
  mgmtd: {nodes: [n1]}
  meta: {nodes: [n1]}
  storage: {nodes: [n1], diskType: dir, replicationFactor: 1}
  client: {nodes: [n1]}
`
const plan = (password: string) => planJson(buildPlan(parseCluster(yaml(password), 'cluster.yml')))
const sha = (text: string) => createHash('sha256').update(text).digest('hex')

describe('secret files in deploy --plan', () => {
  it('shows clickhouse.env with only the password redacted, and without a sha256', () => {
    const env = plan(PASSWORD).actions.find((action) => action.path?.endsWith('/clickhouse.env'))!
    expect(env.content).toBe(
      'CLICKHOUSE_USER=default\nCLICKHOUSE_PASSWORD=<secret>\nCLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT=1\n',
    )
    expect(env.mode).toBe('0600')
    expect(env).not.toHaveProperty('sha256')
  })

  it('gives no plain hash of any file holding the password: a guess cannot be checked against the plan', () => {
    const shown = plan(PASSWORD)
    const text = JSON.stringify(shown)
    expect(text).not.toContain(PASSWORD)
    // Rebuild what an attacker would hash for the right guess: every file with the password put back.
    for (const action of shown.actions.filter((entry) => entry.content?.includes('<secret>'))) {
      const guessed = action.content!.split('<secret>').join(PASSWORD)
      expect(action.sha256).toBeUndefined()
      for (const digest of [sha(guessed), sha(guessed).slice(0, 16), sha(guessed).slice(0, 20)])
        expect(text).not.toContain(digest)
    }
    expect(
      shown.actions.filter((entry) => entry.content?.includes('<secret>')).map((entry) => entry.path!.split('/').pop()),
    ).toEqual(expect.arrayContaining(['clickhouse.env', 'monitor_collector_main.toml']))
  })

  it('still changes the fingerprint of the secret files when the password changes, and only theirs', () => {
    const before = plan(PASSWORD).actions
    const after = plan('another-secret').actions
    const changed = after
      .filter((action, index) => action.fingerprint !== before[index]!.fingerprint)
      .map((action) => action.path ?? action.description)
    expect(changed.length).toBeGreaterThan(0)
    for (const what of changed) expect(what).toMatch(/clickhouse\.env|monitor_collector_main\.toml|monitor/)
    // Stable across runs on this machine: a re-deploy skips what is done.
    expect(plan(PASSWORD).actions.map((action) => action.fingerprint)).toEqual(
      before.map((action) => action.fingerprint),
    )
  })

  it('keeps its key readable by the owner only', () => {
    plan(PASSWORD)
    expect(statSync(digestKeyPath()).mode & 0o777).toBe(0o600)
  })
})
