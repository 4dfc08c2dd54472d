/**
 * rules/admin.ts and rules/chains.ts on hand-made inputs: every branch, every problem as a whole object
 * (the user reads severity, subject, cause and next as printed), and the edges of each comparison.
 */
import {describe, expect, it} from 'vitest'

import {
  parseListChainTables,
  parseListChains,
  parseListClients,
  parseListNodes,
  parseListTargets,
  type ChainRow,
  type TargetRow,
} from '../../src/cluster/admin-cli-output.js'
import type {StatusLayout} from '../../src/status/layout.js'
import type {NodeState, ServiceState} from '../../src/status/node-state.js'
import {readAdmin, type AdminRawInput} from '../../src/status/rules/admin.js'
import {
  chainProblems,
  chainsFromTargets,
  describeRecovery,
  formatBytes,
  fullyServing,
  recoveryByNode,
  replicaCountOf,
  type NodeRecovery,
} from '../../src/status/rules/chains.js'
import {ruleContext} from '../../src/status/rules/types.js'
import {printError, printTable} from '../fixtures/status/admin-format.js'

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
      services: ['fdb', 'mgmtd', 'meta'],
      containers: [
        {service: 'fdb', container: '3fs-fdb'},
        {service: 'mgmtd', container: '3fs-mgmtd'},
        {service: 'meta', container: '3fs-meta'},
      ],
      dataDirs: [],
    },
    {
      name: 'n2',
      host: 'h2',
      services: ['client', 'storage'],
      containers: [
        {service: 'client', container: 'fuse-n2'},
        {service: 'storage', container: 'st-n2'},
      ],
      mountpoint: '/3fs',
      dataDirs: ['/d0', '/d1'],
    },
    {
      name: 'n3',
      host: 'h3',
      services: ['storage'],
      containers: [{service: 'storage', container: 'st-n3'}],
      dataDirs: ['/d0'],
    },
  ],
}

function layout(overrides: Partial<StatusLayout>): StatusLayout {
  return {...LAYOUT, ...overrides}
}

const context = ruleContext(LAYOUT, '-c x.yml')

function node(name: string, containers: ServiceState[]): NodeState {
  return {name, host: name, services: [], reachable: true, containers, disks: [], missing: []}
}

function mgmtdIs(state: string): ServiceState {
  return {service: 'mgmtd', container: '3fs-mgmtd', state}
}

// --- admin_cli output in 3FS's format ---

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
/** A storage row first, so that only the PRIMARY_MGMTD row names n3. */
const NODES = printTable([
  NODE_HEADER,
  ['10002', 'STORAGE', 'HEARTBEAT_CONNECTED', 'n2', '7', '[]', '2026-12-02 02:59:59', '3(UPTODATE)', 'r'],
  ['1', 'MGMTD', 'PRIMARY_MGMTD', 'n3', '5', '[]', 'N/A', '1(UPTODATE)', 'r'],
])
const NODES_NO_PRIMARY = printTable([
  NODE_HEADER,
  ['10002', 'STORAGE', 'HEARTBEAT_CONNECTED', 'n2', '7', '[]', '2026-12-02 02:59:59', '3(UPTODATE)', 'r'],
])
const CHAINS = printTable([
  ['ChainId', 'ReferencedBy', 'ChainVersion', 'Status', 'PreferredOrder', 'Target', 'Target'],
  ['900100001', '1', '3', 'SERVING', '[]', '101(SERVING-UPTODATE)', '102(SERVING-UPTODATE)'],
])
const TARGET_HEADER = ['TargetId', 'ChainId', 'Role', 'PublicState', 'LocalState', 'NodeId', 'DiskIndex', 'UsedSize']
const TARGETS = printTable([
  TARGET_HEADER,
  ['101', '900100001', 'HEAD', 'SERVING', 'UPTODATE', '10002', '0', '4096'],
  ['102', '900100001', 'TAIL', 'SERVING', 'UPTODATE', '10003', '0', '4096'],
])
const CHAIN_TABLES = printTable([
  ['ChainTableId', 'ChainTableVersion', 'ChainCount', 'ReplicaCount', 'Desc'],
  ['1', '1', '1', '2', 'main'],
])
const CLIENT_HEADER = ['ClientId', 'ClientStart', 'Hostname', 'SessionStart', 'LastExtend', 'ConfigVersion']
const CLIENTS = printTable([CLIENT_HEADER, ['c-1', '2026-12-01 10:00:00', 'n2', 'now', 'now', '2(UPTODATE)']])
const CLIENTS_BOOTSTRAPPING = printTable([
  CLIENT_HEADER,
  ['c-1', '2026-12-01 10:00:00', 'n2', 'now', 'now', '2(UPTODATE)'],
  ['Mgmtd Bootstrapping', 'The client list may be incomplete'],
])

const NOT_READY = printError(6004, 'MgmtdClient::RoutingInfoNotReady', 'failed to get routing info')
const NOT_READY_MESSAGE = 'admin_cli: 6004(MgmtdClient::RoutingInfoNotReady): failed to get routing info'
const REFUSED = printError(5003, 'Mgmtd::NotPrimary', 'not the primary')
const REFUSED_MESSAGE = 'admin_cli: 5003(Mgmtd::NotPrimary): not the primary'

const ALL: Record<string, string> = {
  'admin_cli/list-nodes': NODES,
  'admin_cli/list-chains': CHAINS,
  'admin_cli/list-targets': TARGETS,
  'admin_cli/list-chain-tables': CHAIN_TABLES,
  'admin_cli/list-clients': CLIENTS,
}
const COMMANDS = ['list-nodes', 'list-chains', 'list-targets', 'list-chain-tables', 'list-clients'] as const

const RUNNING = [node('n1', [mgmtdIs('running')])]

function logs(where: string): string {
  return `check mgmtd on ${where}: 3fs-cli exec -c x.yml --service mgmtd --sudo -- docker logs --tail 100 3fs-mgmtd`
}
const RETRY = 'Run status again in a few seconds; if it persists, '
const REACHABLE_HINT =
  'mgmtd answered the other commands, so it is reachable; its routing info was not ready for this one (mgmtd just started or a new primary took over)'
const UNREACHABLE_HINT =
  'admin_cli cannot reach mgmtd: mgmtd is down, or its RDMA listener is not on a NIC 3FS accepts (en*, eth*, bond*, xgbe*; ib* as IPoIB)'
const BOOTSTRAP_CAUSE =
  'mgmtd is bootstrapping (it just started, or took over as primary): list-clients says "The client list may be incomplete", and sessions it has not yet loaded are missing from the view'

function read(sections: Record<string, string>, raw: Partial<AdminRawInput> = {}, adminNodes = ['n1']) {
  return readAdmin({node: 'n1', sections, ...raw}, RUNNING, ruleContext(layout({adminNodes}), '-c x.yml'))
}

describe('readAdmin: every command answered', () => {
  it('returns all five tables, the commands in order, and no problem', () => {
    expect(read(ALL)).toEqual({
      tables: {
        nodes: parseListNodes(NODES),
        chains: parseListChains(CHAINS),
        targets: parseListTargets(TARGETS),
        chainTables: parseListChainTables(CHAIN_TABLES),
        clients: parseListClients(CLIENTS),
      },
      basis: {asked: 'n1', answered: [...COMMANDS], failed: []},
      problems: [],
      missing: [],
    })
  })

  it('takes a table indented by spaces as a table', () => {
    const indented = NODES.split('\n')
      .map((line) => (line ? `  ${line}` : line))
      .join('\n')
    expect(read({'admin_cli/list-nodes': indented}).basis).toEqual({
      asked: 'n1',
      answered: ['list-nodes'],
      failed: [],
    })
  })
})

describe('readAdmin: which mgmtd node it asked', () => {
  it('takes the node the capture names over cluster.yml', () => {
    expect(read({}, {node: 'n9'}).basis.asked).toBe('n9')
  })

  it('takes the first admin node that is not "unknown" when the capture names none', () => {
    expect(read({}, {node: undefined}, ['unknown', 'n1']).basis.asked).toBe('n1')
  })

  it('has no asked node when none is named anywhere', () => {
    expect(read({}, {node: undefined}, []).basis).toEqual({answered: [], failed: []})
  })
})

describe('readAdmin: the mgmtd container admin_cli runs in', () => {
  const stopped = {
    severity: 'critical',
    subject: 'mgmtd',
    cause: 'admin_cli cannot run on n1: its 3fs-mgmtd container is exited, so nodes, chains and targets cannot be seen',
    next: 'Fix the container problem of that node first (see above).',
  }

  it('says once that nothing can be seen when it is not running on the first admin node, and reads nothing', () => {
    const nodes = [
      node('n0', [mgmtdIs('running')]),
      node('n1', [{service: 'meta', container: '3fs-meta', state: 'running'}, mgmtdIs('exited')]),
    ]
    expect(readAdmin({sections: ALL}, nodes, context)).toEqual({
      tables: {},
      basis: {asked: 'n1', answered: [], failed: []},
      problems: [stopped],
      missing: [],
    })
  })

  it('looks at the node it asks when the first admin node is "unknown" (a stopped mgmtd there is reported)', () => {
    const nodes = [node('n1', [mgmtdIs('exited')])]
    const result = readAdmin({sections: ALL}, nodes, ruleContext(layout({adminNodes: ['unknown', 'n1']}), '-c x.yml'))
    expect(result.basis.asked).toBe('n1')
    expect(result.problems).toEqual([stopped])
    expect(result.tables).toEqual({})
  })

  it('looks at the node the capture names, and only at its mgmtd container', () => {
    const nodes = [
      node('n1', [mgmtdIs('exited')]),
      node('n3', [{service: 'meta', container: '3fs-meta', state: 'exited'}, mgmtdIs('running')]),
    ]
    const result = readAdmin({node: 'n3', sections: ALL}, nodes, context)
    expect(result.problems).toEqual([])
    expect(result.basis.answered).toEqual([...COMMANDS])
  })

  it('reads admin_cli output when the container state was not captured', () => {
    const result = readAdmin({node: 'n1', sections: ALL}, [node('n1', [mgmtdIs('unknown')])], context)
    expect(result.problems).toEqual([])
    expect(result.basis.answered).toEqual([...COMMANDS])
  })

  it('names the state of a container that is absent', () => {
    expect(readAdmin({node: 'n1', sections: ALL}, [node('n1', [mgmtdIs('absent')])], context).problems).toEqual([
      {
        ...stopped,
        cause:
          'admin_cli cannot run on n1: its 3fs-mgmtd container is absent, so nodes, chains and targets cannot be seen',
      },
    ])
  })
})

describe('readAdmin: admin_cli could not be run at all', () => {
  it('names every mgmtd node tried and the SSH error, and reads nothing', () => {
    const result = readAdmin(
      {sections: ALL, error: {kind: 'ssh', message: 'connection refused'}},
      [],
      ruleContext(layout({adminNodes: ['n1', 'n2']}), '-c x.yml'),
    )
    expect(result).toEqual({
      tables: {},
      basis: {asked: 'n1', answered: [], failed: []},
      problems: [
        {
          severity: 'critical',
          subject: 'mgmtd',
          cause: 'admin_cli could not be run on any mgmtd node (n1, n2): connection refused',
          next: 'Reach a mgmtd node first: 3fs-cli exec -c x.yml --service mgmtd -- true',
        },
      ],
      missing: [],
    })
  })

  it('says "none configured" when cluster.yml has no mgmtd node', () => {
    const result = readAdmin(
      {sections: {}, error: {kind: 'config', message: 'no mgmtd'}},
      [],
      ruleContext(layout({adminNodes: []}), '-c x.yml'),
    )
    expect(result.problems).toEqual([
      {
        severity: 'critical',
        subject: 'mgmtd',
        cause: 'admin_cli could not be run on any mgmtd node (none configured): no mgmtd',
        next: 'Reach a mgmtd node first: 3fs-cli exec -c x.yml --service mgmtd -- true',
      },
    ])
  })
})

describe('readAdmin: sections the capture lacks', () => {
  it('lists every absent output as missing when mgmtd nodes are configured', () => {
    expect(read({}).missing).toEqual(COMMANDS.map((command) => `admin_cli/${command}.txt`))
  })

  it('lists nothing as missing when no mgmtd node is configured', () => {
    expect(read({}, {node: undefined}, [])).toEqual({
      tables: {},
      basis: {answered: [], failed: []},
      problems: [],
      missing: [],
    })
  })

  it('does not rebuild chains from list-targets when list-chains is only absent', () => {
    const result = read({'admin_cli/list-nodes': NODES, 'admin_cli/list-targets': TARGETS})
    expect(result.tables).toEqual({nodes: parseListNodes(NODES), targets: parseListTargets(TARGETS)})
    expect(result.basis).toEqual({asked: 'n1', answered: ['list-nodes', 'list-targets'], failed: []})
  })
})

describe('readAdmin: output that holds no table', () => {
  function failure(text: string) {
    return read({'admin_cli/list-nodes': text}).basis.failed
  }

  it('quotes the first line of what admin_cli printed', () => {
    expect(failure('  something went wrong\nsecond line\n')).toEqual([
      {command: 'list-nodes', error: 'no table in its output: something went wrong'},
    ])
  })

  it('says "empty output" for empty or blank output', () => {
    expect(failure('')).toEqual([{command: 'list-nodes', error: 'no table in its output: empty output'}])
    expect(failure(' \n\t\n')).toEqual([{command: 'list-nodes', error: 'no table in its output: empty output'}])
  })

  it('needs a header at the start of a line: capitalised words inside a line are no table', () => {
    expect(failure('error: Connection  Refused\n')).toEqual([
      {command: 'list-nodes', error: 'no table in its output: error: Connection  Refused'},
    ])
    expect(failure('mgmtd:Connection  Refused\n')).toEqual([
      {command: 'list-nodes', error: 'no table in its output: mgmtd:Connection  Refused'},
    ])
  })

  it('reports it without a hint, on the node asked', () => {
    const result = read({...ALL, 'admin_cli/list-nodes': 'garbage\n'})
    expect(result.problems).toEqual([
      {
        severity: 'error',
        subject: 'admin_cli list-nodes',
        cause: 'no table in its output: garbage on n1; services, their heartbeats and config versions are not judged',
        next: RETRY + logs('n1'),
      },
    ])
  })
})

describe('readAdmin: one command fails while others answer', () => {
  it.each([
    ['list-nodes', 'error', 'services, their heartbeats and config versions are not judged'],
    ['list-targets', 'warning', "targets' nodes and disks are taken from their ids"],
    ['list-chain-tables', 'warning', 'the replica count is taken from cluster.yml'],
    ['list-clients', 'warning', 'clients are not listed'],
  ] as const)('%s: a %s saying what is left unseen', (command, severity, unseen) => {
    const result = read({...ALL, [`admin_cli/${command}`]: REFUSED})
    expect(result.problems).toEqual([
      {
        severity,
        subject: `admin_cli ${command}`,
        cause: `${REFUSED_MESSAGE} on n1; ${unseen}`,
        next: RETRY + logs('n1'),
      },
    ])
    expect(result.basis.failed).toEqual([{command, error: REFUSED_MESSAGE}])
    expect(result.basis.answered).toEqual(COMMANDS.filter((other) => other !== command))
  })

  it('list-chains with list-targets at hand: rebuilds the chains and only warns', () => {
    const result = read({...ALL, 'admin_cli/list-chains': REFUSED})
    expect(result.tables.chains).toEqual(chainsFromTargets(parseListTargets(TARGETS)))
    expect(result.basis).toEqual({
      asked: 'n1',
      answered: ['list-nodes', 'list-targets', 'list-chain-tables', 'list-clients'],
      failed: [{command: 'list-chains', error: REFUSED_MESSAGE}],
      chainsFrom: 'list-targets',
    })
    expect(result.problems).toEqual([
      {
        severity: 'warning',
        subject: 'admin_cli list-chains',
        cause: `${REFUSED_MESSAGE} on n1; chains are judged from list-targets instead (1 chains)`,
        next: RETRY + logs('n1'),
      },
    ])
  })

  it('keeps the error of list-nodes when list-chains was rebuilt from list-targets', () => {
    const result = read({...ALL, 'admin_cli/list-nodes': REFUSED, 'admin_cli/list-chains': REFUSED})
    expect(result.problems).toEqual([
      {
        severity: 'error',
        subject: 'admin_cli list-nodes',
        cause: `${REFUSED_MESSAGE} on n1; services, their heartbeats and config versions are not judged`,
        next: RETRY + logs('n1'),
      },
      {
        severity: 'warning',
        subject: 'admin_cli list-chains',
        cause: `${REFUSED_MESSAGE} on n1; chains are judged from list-targets instead (1 chains)`,
        next: RETRY + logs('n1'),
      },
    ])
  })

  it('list-chains without list-targets: an error, chains not judged', () => {
    const result = read({'admin_cli/list-nodes': NODES, 'admin_cli/list-chains': NOT_READY})
    expect(result.tables).toEqual({nodes: parseListNodes(NODES)})
    expect(result.problems).toEqual([
      {
        severity: 'error',
        subject: 'admin_cli list-chains',
        cause: `${NOT_READY_MESSAGE} on n1 — ${REACHABLE_HINT}; chains cannot be judged`,
        next: RETRY + logs('n1'),
      },
    ])
  })

  it('counts list-chains alone as mgmtd answering', () => {
    const result = read({'admin_cli/list-nodes': NOT_READY, 'admin_cli/list-chains': CHAINS})
    expect(result.problems).toEqual([
      {
        severity: 'error',
        subject: 'admin_cli list-nodes',
        cause: `${NOT_READY_MESSAGE} on n1 — ${REACHABLE_HINT}; services, their heartbeats and config versions are not judged`,
        next: RETRY + logs('n1'),
      },
    ])
  })

  it('counts list-targets alone as mgmtd answering', () => {
    const result = read({'admin_cli/list-nodes': NOT_READY, 'admin_cli/list-targets': TARGETS})
    expect(result.problems).toEqual([
      {
        severity: 'error',
        subject: 'admin_cli list-nodes',
        cause: `${NOT_READY_MESSAGE} on n1 — ${REACHABLE_HINT}; services, their heartbeats and config versions are not judged`,
        next: RETRY + logs('n1'),
      },
    ])
  })

  it('names the primary mgmtd from list-nodes when the capture names no node', () => {
    const result = read({'admin_cli/list-nodes': NODES, 'admin_cli/list-chains': REFUSED}, {node: undefined}, [])
    expect(result.problems).toEqual([
      {
        severity: 'error',
        subject: 'admin_cli list-chains',
        cause: `${REFUSED_MESSAGE} on n3; chains cannot be judged`,
        next: RETRY + logs('n3'),
      },
    ])
  })

  it('says "the mgmtd node" when no node is named and list-nodes shows no primary', () => {
    const result = read(
      {'admin_cli/list-nodes': NODES_NO_PRIMARY, 'admin_cli/list-chains': REFUSED},
      {node: undefined},
      [],
    )
    expect(result.problems).toEqual([
      {
        severity: 'error',
        subject: 'admin_cli list-chains',
        cause: `${REFUSED_MESSAGE} on the mgmtd node; chains cannot be judged`,
        next: RETRY + logs('its node'),
      },
    ])
  })
})

describe('readAdmin: no core command answered', () => {
  it('does not count list-chain-tables and list-clients as mgmtd answering', () => {
    const result = read({
      'admin_cli/list-nodes': NOT_READY,
      'admin_cli/list-chain-tables': CHAIN_TABLES,
      'admin_cli/list-clients': CLIENTS,
    })
    expect(result.problems).toEqual([
      {
        severity: 'critical',
        subject: 'admin_cli list-nodes',
        cause: `${NOT_READY_MESSAGE} — ${UNREACHABLE_HINT}`,
        next: 'C' + logs('n1').slice(1),
      },
    ])
  })

  it('reports the first failing non-core view once, as an error without hint, on "its node"', () => {
    const result = read(
      {
        'admin_cli/list-targets': REFUSED,
        'admin_cli/list-chain-tables': REFUSED,
        'admin_cli/list-clients': NOT_READY,
      },
      {node: undefined},
      [],
    )
    expect(result.problems).toEqual([
      {
        severity: 'error',
        subject: 'admin_cli list-targets',
        cause: REFUSED_MESSAGE,
        next: 'C' + logs('its node').slice(1),
      },
    ])
    expect(result.basis.failed.map((entry) => entry.command)).toEqual([
      'list-targets',
      'list-chain-tables',
      'list-clients',
    ])
    expect(result.missing).toEqual([])
  })
})

describe('readAdmin: mgmtd bootstrapping', () => {
  const bootstrapping = (subject: string, where: string) => ({
    severity: 'warning',
    subject,
    cause: BOOTSTRAP_CAUSE,
    next: `Run status again in a minute; if it still bootstraps, ${logs(where)}`,
  })

  it('names the primary mgmtd in the subject and the node asked in the next step', () => {
    const result = read({...ALL, 'admin_cli/list-clients': CLIENTS_BOOTSTRAPPING})
    expect(result.basis.mgmtdBootstrapping).toBe(true)
    expect(result.tables.clients).toEqual(parseListClients(CLIENTS))
    expect(result.problems).toEqual([bootstrapping('mgmtd on n3', 'n1')])
  })

  it('names the node asked when list-nodes is not at hand', () => {
    expect(read({'admin_cli/list-clients': CLIENTS_BOOTSTRAPPING}).problems).toEqual([
      bootstrapping('mgmtd on n1', 'n1'),
    ])
  })

  it('names no node when none is known', () => {
    expect(read({'admin_cli/list-clients': CLIENTS_BOOTSTRAPPING}, {node: undefined}, []).problems).toEqual([
      bootstrapping('mgmtd', 'its node'),
    ])
  })
})

// --- chains ---

/** A target id as 3FS's chain table generator lays it out (storage node id, disk, index in the disk). */
function tid(nodeId: number, disk: number, index = 0): number {
  return ((1e6 + nodeId) * 1e3 + disk + 1) * 100 + index + 1
}

/** list-chains rows: chain id, Status cell, then `id(PUBLIC-LOCAL)` cells; ReferencedBy is table 1 unless given. */
function listChains(rows: Array<{id: number; status: string; targets: Array<[number, string]>; ref?: string}>) {
  const width = Math.max(...rows.map((row) => row.targets.length))
  return parseListChains(
    printTable([
      ['ChainId', 'ReferencedBy', 'ChainVersion', 'Status', 'PreferredOrder', ...Array<string>(width).fill('Target')],
      ...rows.map((row) => [
        String(row.id),
        row.ref ?? '1',
        '1',
        row.status,
        '[]',
        ...row.targets.map(([id, state]) => `${id}(${state})`),
      ]),
    ]),
  )
}

function targetRow(targetId: number, chainId: number, state: string, nodeId: number, disk: number, used?: number) {
  const [publicState, localState] = state.split('-') as [string, string]
  const row: TargetRow = {
    targetId,
    chainId,
    role: 'HEAD',
    publicState,
    localState,
    nodeId,
    diskIndex: disk,
    usedSize: used === undefined ? 'N/A' : String(used),
    ...(used === undefined ? {} : {usedBytes: used}),
  }
  return row
}

const NAMES = new Map([
  [10001, 'n1'],
  [10002, 'n2'],
  [10003, 'n3'],
  [10004, 'n4'],
])
const WATCH = '3fs-cli status -c x.yml --watch 10'
const UNAVAILABLE_TAIL = '. Right after a deploy this also happens while storage is still starting.'
const COPY = 'data is copied back from the other replicas, one target per chain at a time (the rest wait their turn)'

function storageLog(node: string, container: string): string {
  return `3fs-cli exec -c x.yml --nodes ${node} --sudo -- docker logs --tail 200 ${container}`
}

function group(overrides: Partial<NodeRecovery>): NodeRecovery {
  return {
    node: 'n2',
    nodeId: 10002,
    syncing: 0,
    waiting: 0,
    offline: 0,
    lastsrv: 0,
    other: 0,
    chains: [],
    disks: [],
    targets: [],
    ...overrides,
  }
}

describe('replicaCountOf', () => {
  const table = (replicaCount: number | undefined) => ({
    tableId: 1,
    version: 1,
    chainCount: 1,
    replicaCount,
    replicaCounts: replicaCount === undefined ? [] : [replicaCount],
    desc: '',
  })
  const chains = listChains([
    {id: 1, status: 'SERVING', targets: [[11, 'SERVING-UPTODATE']]},
    {
      id: 2,
      status: 'SERVING',
      targets: [
        [21, 'SERVING-UPTODATE'],
        [22, 'SERVING-UPTODATE'],
        [23, 'SERVING-UPTODATE'],
      ],
    },
  ])

  it('takes the largest ReplicaCount of list-chain-tables', () => {
    expect(replicaCountOf([table(2), table(3)], 1, [])).toEqual({count: 3, from: 'list-chain-tables'})
  })

  it('skips tables without a ReplicaCount and falls back to cluster.yml', () => {
    expect(replicaCountOf([table(undefined)], 2, [])).toEqual({count: 2, from: 'layout'})
    expect(replicaCountOf(undefined, 3, chains)).toEqual({count: 3, from: 'layout'})
  })

  it('takes the widest chain without tables or a replication factor, 0 without chains', () => {
    expect(replicaCountOf(undefined, undefined, chains)).toEqual({count: 3, from: 'chains'})
    expect(replicaCountOf([], 0, [])).toEqual({count: 0, from: 'chains'})
  })
})

describe('chainsFromTargets', () => {
  it('orders chains by id and applies list-chains status rule, with empty ReferencedBy and PreferredOrder', () => {
    const targets = [
      targetRow(91, 9, 'OFFLINE-OFFLINE', 10001, 0),
      targetRow(71, 7, 'SERVING-UPTODATE', 10001, 0),
      targetRow(72, 7, 'SERVING-UPTODATE', 10002, 0),
      targetRow(81, 8, 'SERVING-UPTODATE', 10001, 0),
      targetRow(82, 8, 'WAITING-ONLINE', 10002, 0),
      targetRow(101, 10, 'SERVING-UPTODATE', 10001, 0),
      targetRow(102, 10, 'SYNCING-ONLINE', 10002, 0),
    ]
    expect(chainsFromTargets(targets)).toEqual([
      {
        chainId: 7,
        referencedBy: '',
        version: undefined,
        status: 'SERVING',
        preferredOrder: '',
        targets: [
          {id: 71, publicState: 'SERVING', localState: 'UPTODATE'},
          {id: 72, publicState: 'SERVING', localState: 'UPTODATE'},
        ],
      },
      {
        chainId: 8,
        referencedBy: '',
        version: undefined,
        status: 'SERVING',
        serving: {up: 1, total: 2},
        preferredOrder: '',
        targets: [
          {id: 81, publicState: 'SERVING', localState: 'UPTODATE'},
          {id: 82, publicState: 'WAITING', localState: 'ONLINE'},
        ],
      },
      {
        chainId: 9,
        referencedBy: '',
        version: undefined,
        status: 'UNAVAILABLE',
        preferredOrder: '',
        targets: [{id: 91, publicState: 'OFFLINE', localState: 'OFFLINE'}],
      },
      {
        chainId: 10,
        referencedBy: '',
        version: undefined,
        status: 'SYNCING',
        preferredOrder: '',
        targets: [
          {id: 101, publicState: 'SERVING', localState: 'UPTODATE'},
          {id: 102, publicState: 'SYNCING', localState: 'ONLINE'},
        ],
      },
    ])
    expect(Object.keys(chainsFromTargets(targets)[0]!)).not.toContain('serving')
  })
})

describe('fullyServing', () => {
  it('is true for SERVING and SERVING(n/n), false for SERVING(x/n), SYNCING and UNAVAILABLE', () => {
    const chains = listChains([
      {id: 1, status: 'SERVING', targets: [[11, 'SERVING-UPTODATE']]},
      {
        id: 2,
        status: 'SERVING(2/2)',
        targets: [
          [21, 'SERVING-UPTODATE'],
          [22, 'SERVING-UPTODATE'],
        ],
      },
      {
        id: 3,
        status: 'SERVING(1/2)',
        targets: [
          [31, 'SERVING-UPTODATE'],
          [32, 'OFFLINE-OFFLINE'],
        ],
      },
      {
        id: 4,
        status: 'SYNCING',
        targets: [
          [41, 'SERVING-UPTODATE'],
          [42, 'SYNCING-ONLINE'],
        ],
      },
      {id: 5, status: 'UNAVAILABLE', targets: [[51, 'OFFLINE-OFFLINE']]},
    ])
    expect(chains.map(fullyServing)).toEqual([true, true, false, false, false])
  })
})

describe('recoveryByNode', () => {
  it('counts each state of a node once per target, each chain and disk once, and skips disks below 0', () => {
    const noDisk = 10002 * 100_000 + 5
    const chains = listChains([
      {
        id: 1,
        status: 'SERVING(1/6)',
        targets: [
          [tid(10001, 0), 'SERVING-UPTODATE'],
          [tid(10002, 0, 0), 'OFFLINE-OFFLINE'],
          [tid(10002, 0, 1), 'LASTSRV-OFFLINE'],
          [tid(10002, 0, 2), 'INVALID-INVALID'],
          [tid(10002, 0, 3), 'WAITING-ONLINE'],
          [tid(10002, 0, 4), 'SYNCING-ONLINE'],
        ],
      },
      {
        id: 2,
        status: 'UNAVAILABLE',
        targets: [
          [tid(10002, 1), 'OFFLINE-OFFLINE'],
          [noDisk, 'OFFLINE-OFFLINE'],
        ],
      },
    ])
    expect(recoveryByNode(chains, [], NAMES)).toEqual([
      {
        node: 'n2',
        nodeId: 10002,
        syncing: 1,
        waiting: 1,
        offline: 3,
        lastsrv: 1,
        other: 1,
        chains: [1, 2],
        disks: [0, 1],
        targets: [
          `${tid(10002, 0, 0)} OFFLINE-OFFLINE (chain 1, disk 0)`,
          `${tid(10002, 0, 1)} LASTSRV-OFFLINE (chain 1, disk 0)`,
          `${tid(10002, 0, 2)} INVALID-INVALID (chain 1, disk 0)`,
          `${tid(10002, 0, 3)} WAITING-ONLINE (chain 1, disk 0)`,
          `${tid(10002, 0, 4)} SYNCING-ONLINE (chain 1, disk 0)`,
          `${tid(10002, 1)} OFFLINE-OFFLINE (chain 2, disk 1)`,
          `${noDisk} OFFLINE-OFFLINE (chain 2, disk -1)`,
        ],
      },
    ])
  })

  it('takes node id, node and disk from list-targets over the target id, and the id when the row has none', () => {
    const fromRow = tid(10002, 1)
    const zero = tid(10002, 2)
    const negative = tid(10003, 0)
    const rowless = tid(10004, 0)
    const chains = listChains([
      {
        id: 1,
        status: 'UNAVAILABLE',
        targets: [
          [fromRow, 'OFFLINE-OFFLINE'],
          [zero, 'OFFLINE-OFFLINE'],
          [negative, 'OFFLINE-OFFLINE'],
          [rowless, 'OFFLINE-OFFLINE'],
        ],
      },
    ])
    const targets = [
      {...targetRow(fromRow, 1, 'OFFLINE-OFFLINE', 10005, 7), node: 'n9'},
      targetRow(zero, 1, 'OFFLINE-OFFLINE', 0, 2),
      targetRow(negative, 1, 'OFFLINE-OFFLINE', -1, 0),
    ]
    const groups = recoveryByNode(chains, targets, NAMES)
    expect(groups.map((entry) => [entry.node, entry.nodeId, entry.disks])).toEqual([
      ['n9', 10005, [7]],
      ['storage node id 0', 0, [2]],
      ['n3', 10003, [0]],
      ['n4', 10004, [0]],
    ])
  })

  it('adds the bytes syncing targets hold, capped at the largest serving replica of their chain', () => {
    const chains = listChains([
      {
        id: 1,
        status: 'SYNCING',
        targets: [
          [tid(10001, 0, 0), 'SERVING-UPTODATE'],
          [tid(10002, 0, 0), 'SYNCING-ONLINE'],
        ],
      },
      {
        id: 2,
        status: 'SYNCING',
        targets: [
          [tid(10001, 0, 1), 'SERVING-UPTODATE'],
          [tid(10003, 0, 1), 'SERVING-UPTODATE'],
          [tid(10002, 0, 1), 'SYNCING-ONLINE'],
          [tid(10004, 0, 1), 'OFFLINE-OFFLINE'],
        ],
      },
    ])
    const targets = [
      targetRow(tid(10001, 0, 0), 1, 'SERVING-UPTODATE', 10001, 0, 1000),
      targetRow(tid(10002, 0, 0), 1, 'SYNCING-ONLINE', 10002, 0, 250),
      targetRow(tid(10001, 0, 1), 2, 'SERVING-UPTODATE', 10001, 0, 800),
      targetRow(tid(10003, 0, 1), 2, 'SERVING-UPTODATE', 10003, 0, 1000),
      targetRow(tid(10002, 0, 1), 2, 'SYNCING-ONLINE', 10002, 0, 1500),
      targetRow(tid(10004, 0, 1), 2, 'OFFLINE-OFFLINE', 10004, 0, 9000),
    ]
    const [n2] = recoveryByNode(chains, targets, NAMES)
    expect(n2).toMatchObject({node: 'n2', syncing: 2, syncedBytes: 1250, goalBytes: 2000})
  })

  it('adds no bytes without a size of the syncing target or without a serving replica holding data', () => {
    const chains = listChains([
      {
        id: 1,
        status: 'SYNCING',
        targets: [
          [tid(10001, 0, 0), 'SERVING-UPTODATE'],
          [tid(10002, 0, 0), 'SYNCING-ONLINE'],
        ],
      },
      {
        id: 2,
        status: 'SYNCING',
        targets: [
          [tid(10001, 0, 1), 'SERVING-UPTODATE'],
          [tid(10002, 0, 1), 'SYNCING-ONLINE'],
        ],
      },
      {id: 3, status: 'SYNCING', targets: [[tid(10002, 0, 2), 'SYNCING-ONLINE']]},
    ])
    const targets = [
      targetRow(tid(10001, 0, 0), 1, 'SERVING-UPTODATE', 10001, 0, 1000),
      targetRow(tid(10002, 0, 0), 1, 'SYNCING-ONLINE', 10002, 0),
      targetRow(tid(10001, 0, 1), 2, 'SERVING-UPTODATE', 10001, 0, 0),
      targetRow(tid(10002, 0, 1), 2, 'SYNCING-ONLINE', 10002, 0, 10),
      targetRow(tid(10002, 0, 2), 3, 'SYNCING-ONLINE', 10002, 0, 10),
    ]
    const groups = recoveryByNode(chains, targets, NAMES)
    expect(groups).toHaveLength(1)
    expect(Object.keys(groups[0]!)).not.toContain('syncedBytes')
    expect(Object.keys(groups[0]!)).not.toContain('goalBytes')
  })
})

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [5, '5 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [99.5 * 1024, '99.5 KiB'],
    [100 * 1024, '100 KiB'],
    [1024 ** 2, '1.0 MiB'],
    [3 * 1024 ** 3, '3.0 GiB'],
    [1024 ** 4, '1.0 TiB'],
    [1024 ** 5, '1.0 PiB'],
    [1024 ** 6, '1024 PiB'],
  ])('%d bytes read %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text)
  })
})

describe('describeRecovery', () => {
  it.each([
    [{}, ''],
    [{syncing: 1}, '1 target syncing after a restart'],
    [{syncing: 2, offline: 1}, '2 targets syncing'],
    [{syncing: 1, lastsrv: 1}, '1 target syncing'],
    [{syncing: 1, offline: 1, lastsrv: 1}, '1 target syncing'],
    [{waiting: 1}, '1 target waiting'],
    [{waiting: 2}, '2 targets waiting'],
    [{syncing: 1, waiting: 2}, '1 target syncing after a restart, 2 waiting'],
    [
      {syncing: 1, syncedBytes: 512, goalBytes: 1024},
      '1 target syncing after a restart (512 B of 1.0 KiB copied, 50%)',
    ],
    [{syncing: 1, goalBytes: 2048}, '1 target syncing after a restart (0 B of 2.0 KiB copied, 0%)'],
    [{syncing: 3, syncedBytes: 2, goalBytes: 3}, '3 targets syncing after a restart (2 B of 3 B copied, 66%)'],
  ] as Array<[Partial<NodeRecovery>, string]>)('%j reads "%s"', (counts, text) => {
    expect(describeRecovery(group(counts))).toBe(text)
  })
})

describe('chainProblems: no chains', () => {
  const none = {
    severity: 'critical',
    subject: 'chains',
    cause: 'mgmtd has no chains: the chain table was never uploaded, so no file can be written',
    next: 'Create targets, chains and the chain table: 3fs-cli deploy -c x.yml',
  }

  it('is critical when cluster.yml has storage', () => {
    expect(chainProblems({chains: [], targets: [], nodeIdToNode: NAMES}, context)).toEqual([none])
  })

  it('says nothing without storage nodes', () => {
    const bare = ruleContext(layout({nodes: [LAYOUT.nodes[0]!]}), '-c x.yml')
    expect(chainProblems({chains: [], targets: [], nodeIdToNode: NAMES}, bare)).toEqual([])
  })

  it('says nothing when the chains were rebuilt from list-targets (the failure is reported already)', () => {
    expect(chainProblems({chains: [], targets: [], nodeIdToNode: NAMES, chainsFrom: 'list-targets'}, context)).toEqual(
      [],
    )
  })

  it('says nothing when every chain serves', () => {
    const chains = listChains([{id: 1, status: 'SERVING', targets: [[tid(10002, 0), 'SERVING-UPTODATE']]}])
    expect(chainProblems({chains, targets: [], nodeIdToNode: NAMES}, context)).toEqual([])
  })
})

describe('chainProblems: UNAVAILABLE chains', () => {
  it('names the stopped nodes, and the node with the last serving replica first', () => {
    const offline = tid(10002, 0)
    const last = tid(10003, 0)
    const syncing = tid(10004, 0)
    const chains = listChains([
      {
        id: 900100001,
        status: 'UNAVAILABLE',
        targets: [
          [offline, 'OFFLINE-OFFLINE'],
          [last, 'LASTSRV-OFFLINE'],
        ],
      },
      {
        id: 900100002,
        status: 'SERVING',
        targets: [
          [tid(10001, 0, 1), 'SERVING-UPTODATE'],
          [tid(10002, 0, 1), 'SERVING-UPTODATE'],
        ],
      },
      {
        id: 900100003,
        status: 'SYNCING',
        targets: [
          [tid(10001, 0, 2), 'SERVING-UPTODATE'],
          [syncing, 'SYNCING-ONLINE'],
        ],
      },
    ])
    expect(chainProblems({chains, targets: [], nodeIdToNode: NAMES}, context)).toEqual([
      {
        severity: 'critical',
        subject: 'chains 900100001',
        cause: `1 of 3 chains UNAVAILABLE: no replica serves them; storage stopped reporting on n2, n3 (n3 held the last serving replica and must come back first: target ${last} of chain 900100001 on n3)${UNAVAILABLE_TAIL}`,
        next: `Start storage again on n3 first, after reading why it stopped: ${storageLog('n3', 'st-n3')}`,
      },
      {
        severity: 'error',
        subject: 'n2/storage',
        cause: `1 target(s) in 1 chain(s) are LASTSRV/OFFLINE: the storage service on n2 stopped reporting to mgmtd — ${offline} OFFLINE-OFFLINE (chain 900100001, disk 0)`,
        next: `Read its log and start it again (its targets then resync): ${storageLog('n2', 'st-n2')}`,
      },
      {
        severity: 'error',
        subject: 'n3/storage',
        cause: `1 target(s) in 1 chain(s) are LASTSRV/OFFLINE: the storage service on n3 stopped reporting to mgmtd — ${last} LASTSRV-OFFLINE (chain 900100001, disk 0)`,
        next: `Read its log and start it again (its targets then resync): ${storageLog('n3', 'st-n3')}`,
      },
      {
        severity: 'warning',
        subject: 'storage 10004 on n4',
        cause: `1 target syncing after a restart — ${COPY}; disk(s) 0, chains 900100003: ${syncing} SYNCING-ONLINE (chain 900100003, disk 0)`,
        next: `Nothing to do while it progresses; watch it: ${WATCH}. If the count stops falling, read the storage log: ${storageLog('n4', '3fs-storage')}`,
      },
      {
        severity: 'warning',
        subject: 'chains 900100003',
        cause:
          '1 of 3 chains serve with fewer replicas than 2 (1 syncing: data is being copied back); the nodes are named above',
        next: `Wait for the sync to finish and watch it: ${WATCH}`,
      },
    ])
  })

  it('passes over a last serving replica on an unknown node when choosing whom to start first', () => {
    const unknown = tid(10009, 0)
    const offline = tid(10002, 0)
    const last = tid(10002, 1)
    const chains = listChains([
      {id: 1, status: 'UNAVAILABLE', targets: [[unknown, 'LASTSRV-OFFLINE']]},
      {
        id: 2,
        status: 'UNAVAILABLE',
        targets: [
          [last, 'LASTSRV-OFFLINE'],
          [offline, 'OFFLINE-OFFLINE'],
        ],
      },
    ])
    expect(chainProblems({chains, targets: [], nodeIdToNode: NAMES}, context)).toEqual([
      {
        severity: 'critical',
        subject: 'chains 1, 2',
        cause: `2 of 2 chains UNAVAILABLE: no replica serves them; storage stopped reporting on storage node id 10009, n2 (an unknown node, n2 held the last serving replica and must come back first: target ${unknown} of chain 1 on storage node id 10009, target ${last} of chain 2 on n2)${UNAVAILABLE_TAIL}`,
        next: `Start storage again on n2 first, after reading why it stopped: ${storageLog('n2', 'st-n2')}`,
      },
      {
        severity: 'error',
        subject: 'storage 10009',
        cause: `1 target(s) in 1 chain(s) are LASTSRV/OFFLINE: the storage service with node id 10009 stopped reporting to mgmtd — ${unknown} LASTSRV-OFFLINE (chain 1, disk 0)`,
        next: 'No node in cluster.yml runs storage node id 10009: find it in list-nodes (3fs-cli status -c x.yml --json, services[])',
      },
      {
        severity: 'error',
        subject: 'n2/storage',
        cause: `2 target(s) in 1 chain(s) are LASTSRV/OFFLINE: the storage service on n2 stopped reporting to mgmtd — ${last} LASTSRV-OFFLINE (chain 2, disk 1), ${offline} OFFLINE-OFFLINE (chain 2, disk 0)`,
        next: `Read its log and start it again (its targets then resync): ${storageLog('n2', 'st-n2')}`,
      },
    ])
  })

  it('starts the first known stopped node when no known node held the last serving replica', () => {
    const unknown = tid(10009, 0)
    const chains = listChains([
      {
        id: 1,
        status: 'UNAVAILABLE',
        targets: [
          [unknown, 'LASTSRV-OFFLINE'],
          [tid(10003, 0), 'OFFLINE-OFFLINE'],
        ],
      },
    ])
    const [critical] = chainProblems({chains, targets: [], nodeIdToNode: NAMES}, context)
    expect(critical).toEqual({
      severity: 'critical',
      subject: 'chains 1',
      cause: `1 of 1 chains UNAVAILABLE: no replica serves them; storage stopped reporting on storage node id 10009, n3 (an unknown node held the last serving replica and must come back first: target ${unknown} of chain 1 on storage node id 10009)${UNAVAILABLE_TAIL}`,
      next: `Start storage again on n3 first, after reading why it stopped: ${storageLog('n3', 'st-n3')}`,
    })
  })

  it("names an unknown node by list-targets' node id", () => {
    const last = tid(10008, 0)
    const chains = listChains([{id: 1, status: 'UNAVAILABLE', targets: [[last, 'LASTSRV-OFFLINE']]}])
    const targets = [targetRow(last, 1, 'LASTSRV-OFFLINE', 10007, 0)]
    const [critical] = chainProblems({chains, targets, nodeIdToNode: NAMES}, context)
    expect(critical!.cause).toBe(
      `1 of 1 chains UNAVAILABLE: no replica serves them; storage stopped reporting on storage node id 10007 (an unknown node held the last serving replica and must come back first: target ${last} of chain 1 on storage node id 10007)${UNAVAILABLE_TAIL}`,
    )
    expect(critical!.next).toBe(
      'Check every storage node: 3fs-cli exec -c x.yml --service storage --sudo -- docker ps -a',
    )
  })

  it('says only that no replica serves when no target is stopped, and asks to check every storage node', () => {
    const waiting = tid(10009, 0)
    const chains = listChains([{id: 4, status: 'UNAVAILABLE', targets: [[waiting, 'WAITING-ONLINE']]}])
    expect(chainProblems({chains, targets: [], nodeIdToNode: NAMES}, context)).toEqual([
      {
        severity: 'critical',
        subject: 'chains 4',
        cause: `1 of 1 chains UNAVAILABLE: no replica serves them${UNAVAILABLE_TAIL}`,
        next: 'Check every storage node: 3fs-cli exec -c x.yml --service storage --sudo -- docker ps -a',
      },
      {
        severity: 'warning',
        subject: 'storage 10009',
        cause: `1 target waiting — ${COPY}; disk(s) 0, chains 4: ${waiting} WAITING-ONLINE (chain 4, disk 0)`,
        next: `Nothing to do while it progresses; watch it: ${WATCH}. If the count stops falling, read the storage log: storage node id 10009's log`,
      },
    ])
  })
})

describe('chainProblems: a storage node with targets that do not serve', () => {
  it('adds what recovers and what is in another state to a stopped node', () => {
    const serving = (index: number): [number, string] => [tid(10001, 0, index), 'SERVING-UPTODATE']
    const offline = tid(10002, 0, 0)
    const invalid = tid(10002, 1, 1)
    const syncing = tid(10002, 0, 2)
    const waiting = tid(10002, 1, 3)
    const chains = listChains([
      {id: 1, status: 'SERVING(1/2)', targets: [serving(0), [offline, 'OFFLINE-OFFLINE']]},
      {id: 2, status: 'SERVING(1/2)', targets: [serving(1), [invalid, 'INVALID-ONLINE']]},
      {id: 3, status: 'SYNCING', targets: [serving(2), [syncing, 'SYNCING-ONLINE']]},
      {id: 4, status: 'SERVING(1/2)', targets: [serving(3), [waiting, 'WAITING-ONLINE']]},
    ])
    expect(chainProblems({chains, targets: [], nodeIdToNode: NAMES}, context)).toEqual([
      {
        severity: 'error',
        subject: 'n2/storage',
        cause: `1 target(s) in 4 chain(s) are LASTSRV/OFFLINE, 1 in another state: the storage service on n2 stopped reporting to mgmtd; 1 target syncing, 1 waiting — ${offline} OFFLINE-OFFLINE (chain 1, disk 0), ${invalid} INVALID-ONLINE (chain 2, disk 1), ${syncing} SYNCING-ONLINE (chain 3, disk 0) and 1 more`,
        next: `Read its log and start it again (its targets then resync): ${storageLog('n2', 'st-n2')}`,
      },
      {
        severity: 'warning',
        subject: 'chains 1, 2, 3 and 1 more',
        cause:
          '4 of 4 chains serve with fewer replicas than 2 (2 syncing: data is being copied back); the nodes are named above',
        next: `Wait for the sync to finish and watch it: ${WATCH}`,
      },
    ])
  })

  it('calls a node whose only non-serving target is in another state stopped as well', () => {
    const invalid = tid(10002, 0)
    const chains = listChains([
      {
        id: 1,
        status: 'SERVING(1/2)',
        targets: [
          [tid(10001, 0), 'SERVING-UPTODATE'],
          [invalid, 'INVALID-ONLINE'],
        ],
      },
    ])
    expect(chainProblems({chains, targets: [], nodeIdToNode: NAMES}, context)).toEqual([
      {
        severity: 'error',
        subject: 'n2/storage',
        cause: `0 target(s) in 1 chain(s) are LASTSRV/OFFLINE, 1 in another state: the storage service on n2 stopped reporting to mgmtd — ${invalid} INVALID-ONLINE (chain 1, disk 0)`,
        next: `Read its log and start it again (its targets then resync): ${storageLog('n2', 'st-n2')}`,
      },
      {
        severity: 'warning',
        subject: 'chains 1',
        cause: '1 of 1 chains serve with fewer replicas than 2; the nodes are named above',
        next: 'Bring back the storage nodes named above.',
      },
    ])
  })

  it('reports an OFFLINE and a LASTSRV target of one node as two, with the ReplicaCount of list-chain-tables', () => {
    const offline = tid(10003, 0, 0)
    const last = tid(10003, 0, 1)
    const chains = listChains([
      {
        id: 1,
        status: 'SERVING(1/3)',
        targets: [
          [tid(10001, 0), 'SERVING-UPTODATE'],
          [last, 'LASTSRV-OFFLINE'],
          [offline, 'OFFLINE-OFFLINE'],
        ],
      },
    ])
    const chainTables = [{tableId: 1, version: 1, chainCount: 1, replicaCount: 3, replicaCounts: [3], desc: ''}]
    expect(chainProblems({chains, targets: [], nodeIdToNode: NAMES, chainTables}, context)).toEqual([
      {
        severity: 'error',
        subject: 'n3/storage',
        cause: `2 target(s) in 1 chain(s) are LASTSRV/OFFLINE: the storage service on n3 stopped reporting to mgmtd — ${last} LASTSRV-OFFLINE (chain 1, disk 0), ${offline} OFFLINE-OFFLINE (chain 1, disk 0)`,
        next: `Read its log and start it again (its targets then resync): ${storageLog('n3', 'st-n3')}`,
      },
      {
        severity: 'warning',
        subject: 'chains 1',
        cause:
          '1 of 1 chains serve with fewer replicas than 3 (ReplicaCount of list-chain-tables); the nodes are named above',
        next: 'Bring back the storage nodes named above.',
      },
    ])
  })
})

describe('chainProblems: chains that count as syncing', () => {
  function degraded(chains: ChainRow[]) {
    return chainProblems({chains, targets: [], nodeIdToNode: NAMES}, context).filter((problem) =>
      problem.subject.startsWith('chains '),
    )
  }
  const up: [number, string] = [tid(10001, 0), 'SERVING-UPTODATE']

  it('a chain with an OFFLINE target is not syncing', () => {
    expect(
      degraded(listChains([{id: 1, status: 'SERVING(1/2)', targets: [up, [tid(10002, 0), 'OFFLINE-OFFLINE']]}])),
    ).toEqual([
      {
        severity: 'warning',
        subject: 'chains 1',
        cause: '1 of 1 chains serve with fewer replicas than 2; the nodes are named above',
        next: 'Bring back the storage nodes named above.',
      },
    ])
  })

  it.each([
    ['a SYNCING status', 'SYNCING', 'OFFLINE-OFFLINE'],
    ['a SYNCING target', 'SERVING(1/2)', 'SYNCING-ONLINE'],
    ['a WAITING target', 'SERVING(1/2)', 'WAITING-ONLINE'],
  ])('a chain with %s is syncing', (_what, status, state) => {
    expect(degraded(listChains([{id: 1, status, targets: [up, [tid(10002, 0), state]]}]))).toEqual([
      {
        severity: 'warning',
        subject: 'chains 1',
        cause:
          '1 of 1 chains serve with fewer replicas than 2 (1 syncing: data is being copied back); the nodes are named above',
        next: `Wait for the sync to finish and watch it: ${WATCH}`,
      },
    ])
  })
})

describe('chainProblems: chain tables with mixed replica counts', () => {
  it('names the short chains of the table by its id, and "v?" without a version', () => {
    const three: Array<[number, string]> = [
      [1, 'SERVING-UPTODATE'],
      [2, 'SERVING-UPTODATE'],
      [3, 'SERVING-UPTODATE'],
    ]
    const two: Array<[number, string]> = [
      [4, 'SERVING-UPTODATE'],
      [5, 'SERVING-UPTODATE'],
    ]
    const chains = listChains([
      {id: 11, status: 'SERVING', targets: three, ref: '12'},
      {id: 12, status: 'SERVING', targets: two, ref: '12'},
      {id: 13, status: 'SERVING', targets: two, ref: '1'},
    ])
    const chainTables = [
      {tableId: 12, version: undefined, chainCount: 2, replicaCount: 3, replicaCounts: [2, 3], desc: ''},
      {tableId: 1, version: 4, chainCount: 1, replicaCount: 2, replicaCounts: [2], desc: ''},
      {tableId: 5, version: 1, chainCount: 2, replicaCount: 3, replicaCounts: [1, 3], desc: ''},
    ]
    expect(chainProblems({chains, targets: [], nodeIdToNode: NAMES, chainTables}, context)).toEqual([
      {
        severity: 'warning',
        subject: 'chain table 12 v?',
        cause: 'its chains hold 2 or 3 replicas, so some keep fewer copies than 3: chains 12',
        next: 'Compare with the chain table that was meant to be uploaded: admin_cli list-chains -t 12',
      },
      {
        severity: 'warning',
        subject: 'chain table 5 v1',
        cause: 'its chains hold 1 or 3 replicas, so some keep fewer copies than 3',
        next: 'Compare with the chain table that was meant to be uploaded: admin_cli list-chains -t 5',
      },
    ])
  })
})
