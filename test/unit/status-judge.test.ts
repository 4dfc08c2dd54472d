/**
 * status verdicts and problems from captures in the shapes 3FS prints (see fixtures/status/scenarios.ts:
 * written from 3FS's admin_cli sources, not captured from a running cluster).
 */
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {adminCliArgv} from '../../src/cluster/admin-cli.js'
import {storageTargetPaths} from '../../src/cluster/services.js'
import {parseCluster} from '../../src/config/loader.js'
import {statusLayout} from '../../src/status/layout.js'
import {statusFromCapture} from '../../src/status/service.js'
import {writeScenario, type Scenario} from '../fixtures/status/scenarios.js'

async function judgeScenario(scenario: Scenario, omit?: string[]) {
  const dir = writeScenario(mkdtempSync(join(tmpdir(), `status-${scenario}-`)), scenario, {omit})
  return (await statusFromCapture(dir)).report
}

describe('status verdicts from captures', () => {
  it('calls a cluster whose every service, chain, mount and disk is fine HEALTHY, with no problems', async () => {
    const report = await judgeScenario('healthy')
    expect(report.problems).toEqual([])
    expect(report.verdict).toBe('HEALTHY')
    expect(report.summary).toMatchObject({
      nodes: 3,
      reachable: 3,
      chains: 3,
      servingChains: 3,
      targets: 6,
      servingTargets: 6,
      clients: 3,
      mounts: 3,
      mountsOk: 3,
    })
    expect(report.targets.every((target) => target.node !== undefined)).toBe(true)
    expect(report.nodes[0]!.mount).toMatchObject({mounted: true, fstype: 'fuse.hf3fs', probe: 'ok', probeMs: 2.32})
    expect(report.nodes[1]!.disks[0]).toMatchObject({mounted: true, fstype: 'xfs', sizeBytes: 3840755982336})
    // Uptime is measured to when the capture was taken, not to now.
    expect(report.observedAt).toBe('2026-11-28T02:00:00.000Z')
    expect(report.nodes[0]!.containers.find((entry) => entry.service === 'mgmtd')).toMatchObject({
      state: 'running',
      restarts: 0,
      uptimeSeconds: 21600,
    })
  })

  it('names the storage node whose targets went OFFLINE and how to read its log when one node is down', async () => {
    const report = await judgeScenario('node-down')
    expect(report.verdict).toBe('DEGRADED')
    const storage = report.problems.find(
      (problem) => problem.subject === 'node3/storage' && /LASTSRV\/OFFLINE/.test(problem.cause),
    )
    expect(storage?.next).toContain('--nodes node3')
    expect(storage?.next).toContain('logs --tail 200 3fs-storage')
    expect(report.problems.find((problem) => problem.subject === 'node3')?.cause).toMatch(
      /not reachable over SSH \(unreachable\)/,
    )
    expect(
      report.problems.some(
        (problem) => problem.subject.startsWith('storage 10003 on node3') && /heartbeats/.test(problem.cause),
      ),
    ).toBe(true)
    expect(
      report.problems.some((problem) => problem.severity === 'warning' && /fewer replicas than 2/.test(problem.cause)),
    ).toBe(true)
    expect(report.problems.some((problem) => problem.severity === 'critical')).toBe(false)
  })

  it('calls the cluster DOWN when chains are UNAVAILABLE and says which node held the last serving replica', async () => {
    const report = await judgeScenario('chains-unavailable')
    expect(report.verdict).toBe('DOWN')
    const chains = report.problems[0]!
    expect(chains.severity).toBe('critical')
    expect(chains.cause).toMatch(/chains UNAVAILABLE/)
    expect(chains.cause).toMatch(
      /node3 held the last serving replica and must come back first: target \d+ of chain \d+ on node3/,
    )
    expect(
      report.problems.some(
        (problem) => problem.subject === 'node2/storage' && /exited \(exit code 137\)/.test(problem.cause),
      ),
    ).toBe(true)
    expect(report.problems.some((problem) => problem.subject === 'fdb' && problem.severity === 'warning')).toBe(true)
  })

  it("names the LASTSRV target's node from the node part of its target id when list-targets gave nothing", async () => {
    const report = await judgeScenario('chains-unavailable', ['admin_cli/list-targets.txt'])
    expect(report.problems[0]!.cause).toMatch(
      /node3 held the last serving replica and must come back first: target \d+ of chain \d+ on node3/,
    )
  })

  it('reports syncing chains as DEGRADED with a watch command', async () => {
    const report = await judgeScenario('syncing')
    expect(report.verdict).toBe('DEGRADED')
    const syncing = report.problems.find((problem) => /syncing/.test(problem.cause))
    expect(syncing?.next).toMatch(/status -c cluster.yml --watch 10/)
  })

  it('explains admin_cli error 6004 RoutingInfoNotReady once, as a critical problem', async () => {
    const report = await judgeScenario('mgmtd-unreachable')
    expect(report.verdict).toBe('DOWN')
    const admin = report.problems.filter((problem) => problem.subject.startsWith('admin_cli'))
    expect(admin.map((problem) => problem.subject)).toEqual(['admin_cli list-nodes', 'admin_cli list-chains'])
    expect(admin[0]!.cause).toMatch(/6004\(MgmtdClient::RoutingInfoNotReady\).*cannot reach mgmtd/)
  })

  it('judges a partial capture and lists what it lacks instead of claiming HEALTHY', async () => {
    const report = await judgeScenario('healthy', [
      'admin_cli/list-targets.txt',
      'fdb/status.json',
      'nodes/node2/mount.txt',
    ])
    expect(report.missing.sort()).toEqual(['admin_cli/list-targets.txt', 'fdb/status.json', 'nodes/node2/mount'])
    expect(report.verdict).toBe('DEGRADED')
    expect(report.problems).toHaveLength(1)
    expect(report.problems[0]).toMatchObject({severity: 'warning', subject: 'status'})
    expect(report.chains).toHaveLength(3)
  })

  it('judges a capture without layout.json by what the capture itself shows', async () => {
    const report = await judgeScenario('node-down', ['layout.json'])
    expect(report.missing).toContain('layout.json')
    expect(report.nodes.find((node) => node.name === 'node1')!.containers.map((entry) => entry.service)).toContain(
      'mgmtd',
    )
    expect(report.problems.some((problem) => problem.subject === 'node3/storage')).toBe(true)
  })
})

describe('status on a cluster m3fs deployed', () => {
  it("expects m3fs's container names and its disk layout (<workDir>/storage/3fsdata/data<i>, m3fs disk_tool.sh), unchanged", () => {
    const cluster = parseCluster(
      readFileSync(join(import.meta.dirname, '..', 'fixtures', 'm3fs-full.yml'), 'utf8'),
      'm3fs-full.yml',
    )
    const layout = statusLayout(cluster)
    expect(layout.mgmtdContainer).toBe('3fs-mgmtd')
    expect(layout.fdbContainer).toBe('3fs-fdb')
    const storageNode = layout.nodes.find((node) => node.services.includes('storage'))!
    expect(storageNode.containers.find((entry) => entry.service === 'storage')!.container).toBe('3fs-storage')
    expect(storageNode.dataDirs[0]).toBe('/opt/3fs/storage/3fsdata/data0')
    // deploy lays a cluster out the same way: targets in <disk>/3fs, as m3fs's makeTargetPaths.
    expect(storageTargetPaths(cluster)[0]).toBe('/mnt/3fsdata/data0/3fs')
    // Every container by m3fs's default name (m3fs pkg/config/config.go:565-622), so status finds them as they are.
    const containers = Object.fromEntries(
      layout.nodes.flatMap((node) => node.containers.map((entry) => [entry.service, entry.container])),
    )
    expect(containers).toMatchObject({
      fdb: '3fs-fdb',
      clickhouse: '3fs-clickhouse',
      monitor: '3fs-monitor',
      mgmtd: '3fs-mgmtd',
      meta: '3fs-meta',
      storage: '3fs-storage',
      client: '3fs-client',
    })
    // admin_cli run the way m3fs runs it: in 3fs-mgmtd, with the admin_cli.toml m3fs writes into the config dir mounted
    // at /opt/3fs/etc (m3fs pkg/mgmtd/steps.go:186-189, and :110-113 for the mount).
    expect(adminCliArgv(layout.runtime, layout.mgmtdContainer, ['list-nodes'])).toEqual([
      'docker',
      'exec',
      '3fs-mgmtd',
      '/opt/3fs/bin/admin_cli',
      '-cfg',
      '/opt/3fs/etc/admin_cli.toml',
      '--',
      'list-nodes',
    ])
  })
})
