/**
 * What judge() joins beyond the rules (found by mutation testing): the list of what could not be seen,
 * uptimes measured to the capture, the order of problems, the summary counts and the basis, on the
 * fixture captures of fixtures/status/scenarios.ts (3FS's admin_cli formats, not a running cluster).
 */
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {statusFromCapture} from '../../src/status/service.js'
import {writeScenario, type Scenario} from '../fixtures/status/scenarios.js'

async function judgeScenario(scenario: Scenario, options: {omit?: string[]; replace?: Record<string, string>} = {}) {
  const dir = writeScenario(mkdtempSync(join(tmpdir(), `status-edges-${scenario}-`)), scenario, options)
  return (await statusFromCapture(dir)).report
}

const SEVERITY = {critical: 0, error: 1, warning: 2}

describe('status: what could not be seen', () => {
  it('names up to six missing items, then says how many more', async () => {
    const omit = [
      'admin_cli/list-targets.txt',
      'admin_cli/list-chain-tables.txt',
      'admin_cli/list-clients.txt',
      'fdb/status.json',
      'nodes/node1/mount.txt',
      'nodes/node2/mount.txt',
      'nodes/node3/mount.txt',
      'nodes/node1/disks.txt',
    ]
    const report = await judgeScenario('healthy', {omit})
    expect(report.missing).toHaveLength(8)
    const status = report.problems.find((problem) => problem.subject === 'status')!
    expect(status).toEqual({
      severity: 'warning',
      subject: 'status',
      cause: `not everything could be seen: ${report.missing.slice(0, 6).join(', ')} and 2 more`,
      next: 'Fix the problems above that stopped collection, or capture again.',
    })
  })

  it('names all of them when there are six', async () => {
    const omit = [
      'admin_cli/list-targets.txt',
      'admin_cli/list-chain-tables.txt',
      'admin_cli/list-clients.txt',
      'fdb/status.json',
      'nodes/node1/mount.txt',
      'nodes/node2/mount.txt',
    ]
    const report = await judgeScenario('healthy', {omit})
    expect(report.missing).toHaveLength(6)
    expect(report.problems.find((problem) => problem.subject === 'status')!.cause).toBe(
      `not everything could be seen: ${report.missing.join(', ')}`,
    )
  })
})

describe('status: uptimes, order, summary and basis', () => {
  it('measures uptime to the capture, never below 0, and only for running containers with a start time', async () => {
    const report = await judgeScenario('healthy', {
      replace: {
        'nodes/node1/containers.txt': [
          '3fs-mgmtd|running|0|2026-11-28T03:00:00Z|0',
          '3fs-meta|running|0|not a time|0',
          '3fs-fdb|exited|0|2026-11-27T20:00:00Z|1',
          '3fs-clickhouse|running|0|2026-11-28T01:59:30Z|0',
          '',
        ].join('\n'),
      },
    })
    const containers = report.nodes[0]!.containers
    const uptime = (service: string) => containers.find((entry) => entry.service === service)?.uptimeSeconds
    expect(uptime('mgmtd')).toBe(0)
    expect(uptime('meta')).toBeUndefined()
    expect(uptime('fdb')).toBeUndefined()
    expect(uptime('clickhouse')).toBe(30)
  })

  it('lists critical problems first, then errors, then warnings, each in the order found', async () => {
    for (const scenario of ['node-down', 'chains-unavailable', 'mgmtd-unreachable'] as const) {
      const report = await judgeScenario(scenario, {omit: ['fdb/status.json']})
      const order = report.problems.map((problem) => SEVERITY[problem.severity])
      expect(order, scenario).toEqual([...order].sort((a, b) => a - b))
      expect(new Set(order).size, scenario).toBeGreaterThan(1)
      // The missing-data warning is found last of all, so it stays last.
      expect(report.problems.at(-1)!.subject).toBe('status')
    }
  })

  it('counts nodes, chains, targets, clients and mounts for the summary', async () => {
    const down = await judgeScenario('node-down')
    expect(down.summary).toEqual({
      nodes: 3,
      reachable: 2,
      chains: down.chains.length,
      servingChains: down.chains.filter(
        (chain) => chain.status === 'SERVING' && chain.targets.every((t) => t.publicState === 'SERVING'),
      ).length,
      targets: down.targets.length,
      servingTargets: down.targets.filter((target) => target.publicState === 'SERVING').length,
      clients: 3,
      mounts: 3,
      mountsOk: 2,
    })
    expect(down.summary.servingTargets).toBeLessThan(down.summary.targets)
    expect(down.summary.servingChains).toBeLessThan(down.summary.chains)
  })

  it('maps services and targets to node names by hostname and node id, and bases the replica count on chains only when there are any', async () => {
    const healthy = await judgeScenario('healthy')
    expect(healthy.services.find((row) => row.id === 10002)!.node).toBe('node2')
    expect(healthy.targets.every((target) => /^node\d$/.test(target.node!))).toBe(true)
    expect(healthy.basis.replicaCount).toBeDefined()
    expect(healthy.fdb).toBeDefined()
    const unreachable = await judgeScenario('mgmtd-unreachable', {omit: ['fdb/status.json']})
    expect('replicaCount' in unreachable.basis).toBe(false)
    expect('fdb' in unreachable).toBe(false)
    expect(unreachable.chains).toEqual([])
    expect(unreachable.chainTables).toEqual([])
    expect(unreachable.clients).toEqual([])
  })
})
