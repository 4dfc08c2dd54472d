/**
 * status on a 3-node replication-3 cluster, judged as an on-call 3FS engineer would, from captures in
 * admin_cli's exact format at 3FS ee9a5ce (fixtures/status/admin-format.ts, scenarios.ts).
 */
import {chmodSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {parseCluster} from '../../src/config/loader.js'
import {UserError} from '../../src/errors.js'
import {readCapture, writeCapture} from '../../src/status/capture.js'
import {statusLayout} from '../../src/status/layout.js'
import {syncProgress} from '../../src/status/progress.js'
import {statusFromCapture} from '../../src/status/service.js'
import {renderStatus, statusJson} from '../../src/ui/status/render.js'
import {writeRf3Scenario, type Rf3Scenario, type ScenarioOptions} from '../fixtures/status/scenarios.js'

function dirFor(scenario: string): string {
  return mkdtempSync(join(tmpdir(), `status-rf3-${scenario}-`))
}

async function judgeRf3(scenario: Rf3Scenario, options: ScenarioOptions & {round?: number} = {}) {
  return statusFromCapture(writeRf3Scenario(dirFor(scenario), scenario, options))
}

// eslint-disable-next-line no-control-regex -- matches control characters on purpose
const plain = (text: string) => text.replace(/\u001B\[[0-9;]*m/g, '')

describe('status on a 3-node RF3 cluster', () => {
  it('calls a healthy RF3 cluster HEALTHY and rests the replica count on list-chain-tables', async () => {
    const {report} = await judgeRf3('healthy')
    expect(report.problems).toEqual([])
    expect(report.verdict).toBe('HEALTHY')
    expect(report.summary).toMatchObject({chains: 6, servingChains: 6, targets: 18, servingTargets: 18, clients: 3})
    expect(report.basis).toMatchObject({
      asked: 'node1',
      answered: ['list-nodes', 'list-chains', 'list-targets', 'list-chain-tables', 'list-clients'],
      failed: [],
      replicaCount: {count: 3, from: 'list-chain-tables'},
    })
    expect(report.recovery).toEqual([])
  })

  it('reads a restarted storage node as one problem per node: which targets sync, which wait, on which disks', async () => {
    const {report} = await judgeRf3('storage-restarted')
    expect(report.verdict).toBe('DEGRADED')
    expect(report.problems.some((problem) => problem.severity !== 'warning')).toBe(false)
    const node1 = report.problems.find((problem) => problem.subject === 'storage 10001 on node1')!
    expect(node1.cause).toMatch(/^4 targets syncing after a restart, 2 waiting \(8\.0 GiB of 40\.0 GiB copied, 20%\)/)
    expect(node1.cause).toContain('disk(s) 0, 1')
    expect(node1.cause).toMatch(/\d+ SYNCING-ONLINE \(chain 900100001, disk 0\)/)
    expect(node1.next).toContain('status -c cluster.yml --watch 10')
    expect(node1.next).toContain('--nodes node1 --sudo -- docker logs --tail 200 3fs-storage')
    const node2 = report.problems.find((problem) => problem.subject === 'storage 10002 on node2')!
    expect(node2.cause).toMatch(/^2 targets syncing after a restart \(4\.0 GiB of 20\.0 GiB copied, 20%\)/)
    expect(
      report.problems.some((problem) => problem.subject.includes('node3') && /sync|wait/.test(problem.cause)),
    ).toBe(false)
    // The replica count comes from list-chain-tables (3), not the default of 2.
    expect(report.problems.find((problem) => problem.subject.startsWith('chains '))!.cause).toMatch(
      /6 of 6 chains serve with fewer replicas than 3 \(ReplicaCount of list-chain-tables\) \(6 syncing/,
    )
    expect(report.recovery.map((group) => [group.node, group.nodeId, group.syncing, group.waiting])).toEqual([
      ['node1', 10001, 4, 2],
      ['node2', 10002, 2, 0],
    ])
  })

  it('calls a dead single meta DOWN and says to read its log and start it on node1', async () => {
    const {report} = await judgeRf3('meta-dead')
    expect(report.verdict).toBe('DOWN')
    const container = report.problems.find((problem) => problem.subject === 'node1/meta')!
    expect(container).toMatchObject({severity: 'critical'})
    expect(container.cause).toContain('3fs-meta is exited (exit code 139)')
    expect(container.next).toContain('--nodes node1 --sudo -- docker logs --tail 100 3fs-meta')
    const heartbeat = report.problems.find((problem) => problem.subject === 'meta 100 on node1')!
    expect(heartbeat).toMatchObject({severity: 'critical'})
    expect(heartbeat.cause).toMatch(
      /stopped sending heartbeats to mgmtd \(last 2026-12-02 02:31:07\); no other meta service is up/,
    )
    expect(report.summary.servingChains).toBe(6)
  })

  it('tells DIRTY, FAILED and stale configs apart, the stale one only beside its peers (ListNodes.cc:33-56)', async () => {
    const {report} = await judgeRf3('configs')
    expect(report.verdict).toBe('DEGRADED')
    const byWho = (subject: string) => report.problems.filter((problem) => problem.subject === subject)
    expect(byWho('storage 10001 on node1')).toEqual([])
    expect(byWho('storage 10002 on node2')[0]).toMatchObject({severity: 'warning'})
    expect(byWho('storage 10002 on node2')[0]!.cause).toMatch(/DIRTY: the running config differs from mgmtd's copy/)
    expect(byWho('storage 10002 on node2')[0]!.next).toContain('Config has diffs')
    const stale = byWho('storage 10003 on node3')[0]!
    expect(stale.cause).toMatch(/runs STORAGE config version 1 while mgmtd holds version 2/)
    expect(stale.next).toMatch(/Restart the service so it loads version 2/)
    expect(report.services.find((row) => row.id === 10003)).toMatchObject({configStale: true, configUpToDate: false})
    const failed = byWho('meta 100 on node1')[0]!
    expect(failed).toMatchObject({severity: 'error'})
    expect(failed.cause).toMatch(/FAILED: the service could not render or apply/)
    expect(failed.next).toContain('admin_cli set-config --type META')
  })

  it('judges chains from list-targets when list-chains fails with 6004 beside healthy targets, and names the mgmtd node asked', async () => {
    const result = await judgeRf3('chains-6004')
    const {report} = result
    expect(report.verdict).toBe('DEGRADED')
    expect(report.problems.some((problem) => problem.severity === 'critical')).toBe(false)
    expect(report.problems).toHaveLength(1)
    const problem = report.problems[0]!
    expect(problem).toMatchObject({severity: 'warning', subject: 'admin_cli list-chains'})
    expect(problem.cause).toMatch(
      /6004\(MgmtdClient::RoutingInfoNotReady\) on node1 — mgmtd answered the other commands/,
    )
    expect(problem.cause).toContain('chains are judged from list-targets instead (6 chains)')
    expect(problem.next).toMatch(/check mgmtd on node1/)
    expect(report.summary).toMatchObject({chains: 6, servingChains: 6})
    expect(report.basis).toMatchObject({chainsFrom: 'list-targets', failed: [{command: 'list-chains'}]})
    expect(plain(renderStatus(result, {all: false})).split('\n')[1]).toBe(
      'admin_cli on node1: judged from list-nodes, list-targets, list-chain-tables, list-clients; list-chains failed (chains rebuilt from list-targets)',
    )
  })

  it('names the primary mgmtd from list-nodes when the capture does not say which node was asked', async () => {
    const capture = JSON.stringify({capturedAt: '2026-12-02T03:00:00.000Z', tool: '3fs-cli test'})
    const {report} = await judgeRf3('chains-6004', {omit: ['layout.json'], replace: {'capture.json': capture}})
    const problem = report.problems.find((entry) => entry.subject === 'admin_cli list-chains')!
    expect(problem.cause).toContain('on node1')
    expect(problem.next).not.toContain('unknown')
  })

  it('reports a bootstrapping mgmtd and does not count its row as a client (ListClients.cc:98-101)', async () => {
    const {report} = await judgeRf3('mgmtd-bootstrapping')
    expect(report.verdict).toBe('DEGRADED')
    expect(report.clients.map((client) => client.hostname)).toEqual(['node1'])
    expect(report.problems).toHaveLength(1)
    expect(report.problems[0]).toMatchObject({severity: 'warning', subject: 'mgmtd on node1'})
    expect(report.problems[0]!.cause).toMatch(/bootstrapping .*The client list may be incomplete/)
    expect(report.basis.mgmtdBootstrapping).toBe(true)
  })
})

describe('bad captures', () => {
  it('accepts the layout.json and capture.json that --capture writes (m3fs-style cluster)', async () => {
    const cluster = parseCluster(
      readFileSync(join(import.meta.dirname, '..', 'fixtures', 'm3fs-full.yml'), 'utf8'),
      'm3fs-full.yml',
    )
    const layout = statusLayout(cluster)
    const dir = dirFor('roundtrip')
    await writeCapture(
      dir,
      {layout, nodes: {}, admin: {node: layout.adminNodes[0], sections: {}}, missing: []},
      {capturedAt: '2026-12-02T03:00:00.000Z', tool: '3fs-cli test'},
    )
    const {raw, info} = await readCapture(dir)
    expect(raw.layout).toEqual(layout)
    expect(info?.adminNode).toBe(layout.adminNodes[0])
  })

  async function failure(options: ScenarioOptions, prepare?: (dir: string) => void): Promise<UserError> {
    const dir = writeRf3Scenario(dirFor('bad'), 'healthy', options)
    prepare?.(dir)
    try {
      await statusFromCapture(dir)
    } catch (error) {
      return error as UserError
    }
    throw new Error('expected a failure')
  }

  it('names a corrupt layout.json and what is wrong with it, exit 2, never a SyntaxError', async () => {
    const error = await failure({replace: {'layout.json': '{"cluster": "prod3", "nodes": ['}})
    expect(error).toBeInstanceOf(UserError)
    expect(error.exitCode).toBe(2)
    expect(error.message).toMatch(/layout\.json: not valid JSON/)
  })

  it('names a layout.json of the wrong shape with the key at fault', async () => {
    const error = await failure({replace: {'layout.json': JSON.stringify({cluster: 'prod3', nodes: 'node1'})}})
    expect(error.exitCode).toBe(2)
    expect(error.message).toMatch(/layout\.json: \w+: /)
  })

  it('names every bad file at once: a malformed capture.json and a directory where a file belongs', async () => {
    const error = await failure({replace: {'capture.json': 'captured yesterday'}}, (dir) => {
      writeFileSync(join(dir, 'admin_cli', 'list-nodes.txt.tmp'), '')
    })
    expect(error.message).toMatch(/capture\.json: not valid JSON/)
    const second = await failure({omit: ['admin_cli/list-targets.txt'], replace: {'admin_cli/list-targets.txt/x': ''}})
    expect(second.message).toMatch(/admin_cli\/list-targets\.txt: a directory where a file belongs/)
  })

  it.skipIf(process.getuid?.() === 0)('names an unreadable file', async () => {
    const error = await failure({}, (dir) => chmodSync(join(dir, 'admin_cli', 'list-nodes.txt'), 0o000))
    expect(error.message).toMatch(/admin_cli\/list-nodes\.txt: cannot be read \(EACCES\)/)
  })
})

describe('status --watch: sync progress between rounds', () => {
  it('shows per node what still syncs or waits, what came back and how much was copied since the round before', async () => {
    const first = await judgeRf3('storage-restarted', {round: 0})
    const second = await judgeRf3('storage-restarted', {round: 1})
    const progress = syncProgress(first.report.recovery, second.report.recovery)
    expect(progress[0]).toEqual({
      node: 'node1',
      nodeId: 10001,
      syncing: 3,
      waiting: 2,
      offline: 0,
      before: {syncing: 4, waiting: 2, offline: 0},
      backToServing: 1,
      syncedBytes: 15 * 1024 ** 3,
      goalBytes: 30 * 1024 ** 3,
      copiedSinceBytes: 7 * 1024 ** 3,
      percent: 50,
    })
    expect(progress[1]).toMatchObject({
      node: 'node2',
      syncing: 2,
      backToServing: 0,
      percent: 50,
      copiedSinceBytes: 6 * 1024 ** 3,
    })
    const text = plain(renderStatus(second, {all: false, progress}))
    expect(text).toContain('Sync progress since the last round')
    expect(text).toContain(
      '  node1 (storage 10001): 3 syncing, 2 waiting (was 4 syncing, 2 waiting); 1 target back to SERVING; 15.0 GiB of 30.0 GiB copied, 50% (+7.0 GiB)',
    )
    const json = JSON.parse(JSON.stringify(statusJson(second, progress))) as {progress: unknown[]; recovery: unknown[]}
    expect(json.progress).toHaveLength(2)
    expect(json.recovery).toHaveLength(2)
  })

  it('says a node is all serving again once its last target finished', async () => {
    const first = await judgeRf3('storage-restarted')
    const healthy = await judgeRf3('healthy')
    const progress = syncProgress(first.report.recovery, healthy.report.recovery)
    expect(progress.map((entry) => [entry.node, entry.syncing, entry.backToServing])).toEqual([
      ['node1', 0, 6],
      ['node2', 0, 2],
    ])
    expect(plain(renderStatus(healthy, {all: false, progress}))).toContain(
      'node1 (storage 10001): all serving (was 4 syncing, 2 waiting); 6 targets back to SERVING',
    )
  })
})
