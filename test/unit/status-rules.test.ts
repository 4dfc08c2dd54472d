/** Each status rule module alone, on hand-made inputs (admin_cli text in 3FS's exact format). */
import {describe, expect, it} from 'vitest'

import {parseListChains, parseListNodes, parseListTargets} from '../../src/cluster/admin-cli-output.js'
import type {StatusLayout} from '../../src/status/layout.js'
import type {NodeState} from '../../src/status/node-state.js'
import {readAdmin} from '../../src/status/rules/admin.js'
import {
  chainProblems,
  chainsFromTargets,
  diskIndexOfTarget,
  recoveryByNode,
  replicaCountOf,
  storageNodeIdOfTarget,
} from '../../src/status/rules/chains.js'
import {containerProblems, runningAnywhere, unreachableProblems} from '../../src/status/rules/containers.js'
import {diskProblems} from '../../src/status/rules/disks.js'
import {fdbProblems} from '../../src/status/rules/fdb.js'
import {mountProblems} from '../../src/status/rules/mounts.js'
import {latestConfigVersions, markStaleConfigs, serviceProblems} from '../../src/status/rules/services.js'
import {ruleContext} from '../../src/status/rules/types.js'
import {printError, printTable} from '../fixtures/status/admin-format.js'
import {rf3TargetId} from '../fixtures/status/scenarios.js'

const LAYOUT: StatusLayout = {
  cluster: 'c',
  mountpoint: '/3fs',
  diskType: 'nvme',
  replicationFactor: 2,
  runtime: 'docker',
  mgmtdContainer: '3fs-mgmtd',
  fdbContainer: '3fs-fdb',
  adminNodes: ['n1'],
  fdbNodes: ['n1'],
  nodes: [
    {
      name: 'n1',
      host: 'h1',
      services: ['fdb', 'mgmtd', 'meta', 'clickhouse'],
      containers: [
        {service: 'fdb', container: '3fs-fdb'},
        {service: 'mgmtd', container: '3fs-mgmtd'},
        {service: 'meta', container: '3fs-meta'},
        {service: 'clickhouse', container: '3fs-clickhouse'},
      ],
      dataDirs: [],
    },
    {
      name: 'n2',
      host: 'h2',
      services: ['storage'],
      containers: [{service: 'storage', container: '3fs-storage'}],
      mountpoint: '/3fs',
      dataDirs: ['/d0'],
    },
  ],
}
const context = ruleContext(LAYOUT, '-c x.yml')

function node(overrides: Partial<NodeState>): NodeState {
  return {name: 'n1', host: 'h1', services: [], reachable: true, containers: [], disks: [], missing: [], ...overrides}
}

const NODE_HEADER = [
  'Id',
  'Type',
  'Status',
  'Hostname',
  'Pid',
  'Tags',
  'LastHeartbeatTime',
  'ConfigVersion',
  'ReleaseVersion',
]

describe('rules/containers', () => {
  it('calls a stopped core service critical only when no node runs it, and metrics a warning', () => {
    const n1 = node({
      services: ['meta', 'clickhouse'],
      containers: [
        {service: 'meta', container: '3fs-meta', state: 'exited', exitCode: 1},
        {service: 'clickhouse', container: '3fs-clickhouse', state: 'exited'},
      ],
    })
    const problems = containerProblems(n1, runningAnywhere([n1]), context)
    expect(problems.map((problem) => [problem.subject, problem.severity])).toEqual([
      ['n1/meta', 'critical'],
      ['n1/clickhouse', 'warning'],
    ])
    const other = node({name: 'n9', containers: [{service: 'meta', container: '3fs-meta', state: 'running'}]})
    expect(containerProblems(n1, runningAnywhere([n1, other]), context)[0]!.severity).toBe('error')
  })

  it('names unreachable nodes with their SSH error', () => {
    expect(
      unreachableProblems(
        [node({reachable: false, error: {kind: 'auth', message: 'denied'}, services: ['storage']})],
        context,
      )[0]!.cause,
    ).toMatch(/not reachable over SSH \(auth\): denied; its services \(storage\)/)
  })
})

describe('rules/disks and rules/mounts', () => {
  it('flags an unmounted nvme data dir and a nearly full one', () => {
    const problems = diskProblems(
      node({
        disks: [
          {path: '/d0', exists: true, mounted: false},
          {path: '/d1', exists: true, mounted: true, sizeBytes: 100, usedBytes: 95},
        ],
      }),
      context,
    )
    expect(problems.map((problem) => [problem.subject, problem.severity])).toEqual([
      ['n1:/d0', 'error'],
      ['n1:/d1', 'warning'],
    ])
  })

  it('flags a mount that is not fuse.hf3fs, and a hung one', () => {
    expect(
      mountProblems(node({mount: {path: '/3fs', mounted: true, fstype: 'ext4', source: '/dev/sda1'}}), context)[0]!
        .cause,
    ).toMatch(/ext4 mount .* not 3FS/)
    expect(
      mountProblems(node({mount: {path: '/3fs', mounted: true, fstype: 'fuse.hf3fs', probe: 'failed'}}), context)[0]!
        .cause,
    ).toMatch(/does not answer/)
    expect(mountProblems(node({}), context)).toEqual([])
  })
})

describe('rules/services', () => {
  const rows = parseListNodes(
    printTable([
      NODE_HEADER,
      ['10001', 'STORAGE', 'HEARTBEAT_CONNECTED', 'n2', '1', '[]', '2026-12-02 02:59:59', '3(UPTODATE)', 'r'],
      ['10002', 'STORAGE', 'HEARTBEAT_CONNECTED', 'n3', '1', '[]', '2026-12-02 02:59:59', '2', 'r'],
      ['100', 'META', 'HEARTBEAT_CONNECTED', 'n1', '1', '[]', '2026-12-02 02:59:59', '5', 'r'],
    ]),
  )

  it('takes the latest version per type from cells with a state, and calls a bare older one stale', () => {
    expect([...latestConfigVersions(rows)]).toEqual([['STORAGE', 3]])
    const marked = markStaleConfigs(rows)
    expect(marked.map((row) => row.configStale ?? false)).toEqual([false, true, false])
  })

  it('does not call a bare version stale when no peer of its type shows the latest (getConfigVersions failed)', () => {
    const problems = serviceProblems(
      markStaleConfigs(rows).map((row) => ({...row, node: row.hostname})),
      context,
    )
    expect(problems.filter((problem) => /config/.test(problem.cause)).map((problem) => problem.subject)).toEqual([
      'storage 10002 on n3',
    ])
  })

  it('reports a service cluster.yml expects on a node that mgmtd does not list', () => {
    const problems = serviceProblems([], context)
    expect(problems.map((problem) => problem.subject)).toEqual(['n1/mgmtd', 'n1/meta', 'n2/storage'])
  })
})

describe('rules/chains', () => {
  it('reads node and disk out of 3FS target ids', () => {
    expect(storageNodeIdOfTarget(rf3TargetId(2, 1, 2))).toBe(10002)
    expect(diskIndexOfTarget(rf3TargetId(2, 1, 2))).toBe(1)
  })

  it("rebuilds chains from list-targets with list-chains' status rule (ListChains.cc:51-60)", () => {
    const targets = parseListTargets(
      printTable([
        ['TargetId', 'ChainId', 'Role', 'PublicState', 'LocalState', 'NodeId', 'DiskIndex', 'UsedSize'],
        ['1', '7', 'HEAD', 'SERVING', 'UPTODATE', '10001', '0', '5'],
        ['2', '7', 'TAIL', 'WAITING', 'ONLINE', '10002', '0', '1'],
        ['3', '8', 'HEAD', 'SERVING', 'UPTODATE', '10001', '0', '5'],
        ['4', '8', 'TAIL', 'SYNCING', 'ONLINE', '10002', '0', '1'],
        ['5', '9', 'HEAD', 'OFFLINE', 'OFFLINE', '10001', '0', '5'],
      ]),
    )
    expect(chainsFromTargets(targets).map((chain) => [chain.chainId, chain.status, chain.serving])).toEqual([
      [7, 'SERVING', {up: 1, total: 2}],
      [8, 'SYNCING', undefined],
      [9, 'UNAVAILABLE', undefined],
    ])
  })

  it('takes the replica count from list-chain-tables first, then cluster.yml, then the widest chain', () => {
    expect(
      replicaCountOf([{tableId: 1, version: 1, chainCount: 6, replicaCount: 3, replicaCounts: [3], desc: ''}], 2, []),
    ).toEqual({count: 3, from: 'list-chain-tables'})
    expect(replicaCountOf([], 2, [])).toEqual({count: 2, from: 'layout'})
  })

  it('groups targets that do not serve by node from their ids when list-targets and list-nodes gave nothing', () => {
    const chains = parseListChains(
      printTable([
        ['ChainId', 'ReferencedBy', 'ChainVersion', 'Status', 'PreferredOrder', 'Target', 'Target'],
        [
          '900100001',
          '1',
          '4',
          'SYNCING',
          '[]',
          `${rf3TargetId(1, 0, 0)}(SERVING-UPTODATE)`,
          `${rf3TargetId(2, 0, 0)}(SYNCING-ONLINE)`,
        ],
        [
          '900100002',
          '1',
          '4',
          'SERVING(1/2)',
          '[]',
          `${rf3TargetId(1, 0, 1)}(SERVING-UPTODATE)`,
          `${rf3TargetId(2, 1, 1)}(WAITING-ONLINE)`,
        ],
      ]),
    )
    const groups = recoveryByNode(chains, [], new Map())
    expect(groups).toMatchObject([
      {node: 'storage node id 10002', nodeId: 10002, syncing: 1, waiting: 1, disks: [0, 1]},
    ])
    const named = chainProblems({chains, targets: [], nodeIdToNode: new Map([[10002, 'n2']])}, context)
    expect(named[0]).toMatchObject({severity: 'warning', subject: 'storage 10002 on n2'})
    expect(named[0]!.cause).toMatch(/^1 target syncing after a restart, 1 waiting/)
  })

  it('warns about a chain table whose chains hold different replica counts (`2/3`)', () => {
    const chains = parseListChains(
      printTable([
        ['ChainId', 'ReferencedBy', 'ChainVersion', 'Status', 'PreferredOrder', 'Target', 'Target', 'Target'],
        ['900100001', '1', '1', 'SERVING', '[]', '1(SERVING-UPTODATE)', '2(SERVING-UPTODATE)', '3(SERVING-UPTODATE)'],
        ['900100002', '1', '1', 'SERVING', '[]', '4(SERVING-UPTODATE)', '5(SERVING-UPTODATE)'],
      ]),
    )
    const problems = chainProblems(
      {
        chains,
        targets: [],
        nodeIdToNode: new Map(),
        chainTables: [{tableId: 1, version: 2, chainCount: 2, replicaCount: 3, replicaCounts: [2, 3], desc: ''}],
      },
      context,
    )
    expect(problems).toEqual([
      expect.objectContaining({
        severity: 'warning',
        subject: 'chain table 1 v2',
        cause: 'its chains hold 2 or 3 replicas, so some keep fewer copies than 3: chains 900100002',
      }),
    ])
  })

  it('says no chains is critical when storage is expected', () => {
    expect(chainProblems({chains: [], targets: [], nodeIdToNode: new Map()}, context)[0]).toMatchObject({
      severity: 'critical',
      subject: 'chains',
    })
  })
})

describe('rules/fdb', () => {
  it('calls an unavailable FoundationDB critical and a missing status a gap', () => {
    const down = fdbProblems(
      JSON.stringify({
        client: {database_status: {available: false, healthy: false}, messages: []},
        cluster: {messages: []},
      }),
      [],
      context,
    )
    expect(down.problems[0]).toMatchObject({severity: 'critical', subject: 'fdb'})
    expect(fdbProblems(undefined, [], context).missing).toEqual(['fdb/status.json'])
  })
})

describe('rules/admin', () => {
  const error = printError(6004, 'MgmtdClient::RoutingInfoNotReady', 'failed to get routing info')
  const mgmtd = node({containers: [{service: 'mgmtd', container: '3fs-mgmtd', state: 'running'}]})

  it('reports a mgmtd that answers nothing once per core view, critical, with the 6004 hint', () => {
    const sections = Object.fromEntries(
      ['list-nodes', 'list-chains', 'list-targets', 'list-chain-tables', 'list-clients'].map((command) => [
        `admin_cli/${command}`,
        error,
      ]),
    )
    const result = readAdmin({node: 'n1', sections}, [mgmtd], context)
    expect(result.problems.map((problem) => [problem.subject, problem.severity])).toEqual([
      ['admin_cli list-nodes', 'critical'],
      ['admin_cli list-chains', 'critical'],
    ])
    expect(result.problems[0]!.cause).toMatch(/cannot reach mgmtd/)
    expect(result.basis.answered).toEqual([])
  })

  it('judges from what answered when one view fails, and says which one is missing', () => {
    const nodes = printTable([NODE_HEADER, ['1', 'MGMTD', 'PRIMARY_MGMTD', 'n1', '1', '[]', 'N/A', '1(UPTODATE)', 'r']])
    const result = readAdmin(
      {node: 'n1', sections: {'admin_cli/list-nodes': nodes, 'admin_cli/list-chains': error}},
      [mgmtd],
      context,
    )
    expect(result.problems).toHaveLength(1)
    expect(result.problems[0]).toMatchObject({severity: 'error', subject: 'admin_cli list-chains'})
    expect(result.problems[0]!.cause).toMatch(/on n1 — mgmtd answered the other commands.*chains cannot be judged/)
    expect(result.missing).toEqual([
      'admin_cli/list-targets.txt',
      'admin_cli/list-chain-tables.txt',
      'admin_cli/list-clients.txt',
    ])
  })
})
