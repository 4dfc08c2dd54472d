/**
 * The node-side status rules (containers, disks, mounts, fdb, services, the shared helpers) and what
 * judge() joins from them, on hand-made inputs: every branch, every problem as a whole object (severity,
 * subject, cause and next are what the user reads), and both sides of each comparison.
 */
import {describe, expect, it} from 'vitest'

import {parseListNodes, parseListTargets, type NodeRow} from '../../src/cluster/admin-cli-output.js'
import {judge, type RawStatus} from '../../src/status/judge.js'
import type {StatusLayout} from '../../src/status/layout.js'
import type {NodeState} from '../../src/status/node-state.js'
import {
  CORE_SERVICES,
  METRICS_SERVICES,
  containerProblems,
  runningAnywhere,
  unreachableProblems,
} from '../../src/status/rules/containers.js'
import {FULL_PERCENT, diskProblems} from '../../src/status/rules/disks.js'
import {fdbProblems} from '../../src/status/rules/fdb.js'
import {mountProblems} from '../../src/status/rules/mounts.js'
import {
  latestConfigVersions,
  markStaleConfigs,
  serviceProblems,
  type ClusterServiceRow,
} from '../../src/status/rules/services.js'
import {onNode, ruleContext, sample} from '../../src/status/rules/types.js'
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
      services: ['storage', 'client'],
      containers: [
        {service: 'storage', container: 'st-n2'},
        {service: 'client', container: 'fuse-n2'},
      ],
      mountpoint: '/3fs',
      dataDirs: ['/d0'],
    },
  ],
}
const context = ruleContext(LAYOUT, '-c x.yml')
const DIR_CONTEXT = ruleContext({...LAYOUT, diskType: 'dir'}, '-c x.yml')
const logsOn = (node: string, container: string) =>
  `3fs-cli exec -c x.yml --nodes ${node} --sudo -- docker logs --tail 100 ${container}`

function node(overrides: Partial<NodeState>): NodeState {
  return {name: 'n1', host: 'h1', services: [], reachable: true, containers: [], disks: [], missing: [], ...overrides}
}

describe('rules/types', () => {
  it('lists up to three ids in full and says how many more there are beyond three', () => {
    expect(sample([])).toBe('')
    expect(sample([7])).toBe('7')
    expect(sample([1, 2, 3])).toBe('1, 2, 3')
    expect(sample([1, 2, 3, 4])).toBe('1, 2, 3 and 1 more')
    expect(sample(['a', 'b', 'c', 'd', 'e', 'f'])).toBe('a, b, c and 3 more')
    expect(sample([1, 2], 1)).toBe('1 and 1 more')
  })

  it('names a command run on a node through the container engine, with the config argument filled in', () => {
    expect(onNode(context, 'n2', 'ps -a')).toBe('3fs-cli exec -c x.yml --nodes n2 --sudo -- docker ps -a')
    expect(ruleContext(LAYOUT, '-c y.yml').cli('deploy {c}')).toBe('3fs-cli deploy -c y.yml')
  })
})

describe('rules/containers: which services count as core and as metrics', () => {
  it('names fdb, mgmtd and meta core, and the four metrics services', () => {
    expect(CORE_SERVICES).toEqual(['fdb', 'mgmtd', 'meta'])
    expect(METRICS_SERVICES).toEqual(['clickhouse', 'monitor', 'grafana', 'postgresql'])
  })
})

describe('rules/containers: unreachable nodes', () => {
  it('reports an unreachable node with its SSH error, its services and the command to try', () => {
    expect(
      unreachableProblems(
        [node({reachable: false, error: {kind: 'auth', message: 'denied'}, services: ['storage', 'client']})],
        context,
      ),
    ).toEqual([
      {
        severity: 'error',
        subject: 'n1',
        cause: 'not reachable over SSH (auth): denied; its services (storage, client) could not be checked',
        next: 'Check that h1 is up and sshd answers, then: 3fs-cli exec -c x.yml --nodes n1 -- true',
      },
    ])
  })

  it("says 'none' for an unreachable node without services", () => {
    expect(
      unreachableProblems(
        [node({name: 'n7', host: 'h7', reachable: false, error: {kind: 'timeout', message: 'no answer'}})],
        context,
      ),
    ).toEqual([
      {
        severity: 'error',
        subject: 'n7',
        cause: 'not reachable over SSH (timeout): no answer; its services (none) could not be checked',
        next: 'Check that h7 is up and sshd answers, then: 3fs-cli exec -c x.yml --nodes n7 -- true',
      },
    ])
  })

  it('reports neither a node without data nor a reachable node that carries an error', () => {
    expect(
      unreachableProblems(
        [
          node({name: 'gone', reachable: false, missing: ['all']}),
          node({name: 'fine', reachable: true, error: {kind: 'x', message: 'y'}}),
        ],
        context,
      ),
    ).toEqual([])
  })
})

describe('rules/containers: where a service runs', () => {
  it('says a service runs anywhere when one node has its container running beside stopped ones', () => {
    const running = runningAnywhere([
      node({
        containers: [
          {service: 'meta', container: '3fs-meta', state: 'running'},
          {service: 'clickhouse', container: '3fs-clickhouse', state: 'exited'},
        ],
      }),
      node({name: 'n2', containers: [{service: 'storage', container: 'st', state: 'exited'}]}),
    ])
    expect(running('meta')).toBe(true)
    expect(running('clickhouse')).toBe(false)
    expect(running('storage')).toBe(false)
    expect(running('mgmtd')).toBe(false)
  })
})

describe('rules/containers: the container engine', () => {
  const none = () => false
  const all = () => true

  it('reports nothing for a node that expects no containers, even without an engine', () => {
    expect(
      containerProblems(node({services: ['meta'], runtime: {present: false}, containers: []}), none, context),
    ).toEqual([])
  })

  it('reports a missing engine once, critical when a core service it should run runs nowhere', () => {
    const n1 = node({
      services: ['meta', 'storage'],
      runtime: {present: false},
      containers: [
        {service: 'meta', container: '3fs-meta', state: 'no-runtime'},
        {service: 'storage', container: 'st', state: 'no-runtime'},
      ],
    })
    expect(containerProblems(n1, none, context)).toEqual([
      {
        severity: 'critical',
        subject: 'n1',
        cause: 'no container runtime (docker) on the node, so none of its services (meta, storage) can run',
        next: 'Install and start docker, then deploy: 3fs-cli deploy -c x.yml',
      },
    ])
    expect(containerProblems(n1, all, context)[0]!.severity).toBe('error')
  })

  it('calls a missing engine an error when only non-core services are affected, running or not', () => {
    const n2 = node({
      name: 'n2',
      services: ['storage', 'clickhouse'],
      runtime: {present: false},
      containers: [{service: 'storage', container: 'st', state: 'no-runtime'}],
    })
    expect(containerProblems(n2, none, context).map((problem) => problem.severity)).toEqual(['error'])
    expect(containerProblems(n2, all, context).map((problem) => problem.severity)).toEqual(['error'])
  })

  it('reports an engine that does not answer, with the command to check access', () => {
    const n1 = node({
      services: ['mgmtd'],
      runtime: {present: true, problem: 'permission denied'},
      containers: [{service: 'mgmtd', container: '3fs-mgmtd', state: 'unknown'}],
    })
    expect(containerProblems(n1, none, context)).toEqual([
      {
        severity: 'critical',
        subject: 'n1',
        cause: 'docker does not answer: permission denied',
        next: 'Start the engine (systemctl start docker) and check access: 3fs-cli exec -c x.yml --nodes n1 --sudo -- docker ps',
      },
    ])
    expect(containerProblems(n1, all, context)[0]!.severity).toBe('error')
  })

  it('judges the containers of a node whose engine answers', () => {
    const n1 = node({
      services: ['storage'],
      runtime: {present: true, version: '27'},
      containers: [{service: 'storage', container: 'st', state: 'exited', exitCode: 2}],
    })
    expect(containerProblems(n1, none, context)).toEqual([
      {
        severity: 'error',
        subject: 'n1/storage',
        cause: 'container st is exited (exit code 2)',
        next: `Read its log, fix the cause, then start it: ${logsOn('n1', 'st')}`,
      },
    ])
  })
})

describe('rules/containers: each container', () => {
  const none = () => false

  it('warns about a running container that restarted, with its last start when known', () => {
    const n1 = node({
      containers: [
        {service: 'meta', container: '3fs-meta', state: 'running', restarts: 2, startedAt: '2026-11-28T01:00:00Z'},
        {service: 'mgmtd', container: '3fs-mgmtd', state: 'running', restarts: 1},
      ],
    })
    expect(containerProblems(n1, none, context)).toEqual([
      {
        severity: 'warning',
        subject: 'n1/meta',
        cause: '3fs-meta restarted 2 time(s), last start 2026-11-28T01:00:00Z',
        next: `See why it stopped: ${logsOn('n1', '3fs-meta')}`,
      },
      {
        severity: 'warning',
        subject: 'n1/mgmtd',
        cause: '3fs-mgmtd restarted 1 time(s)',
        next: `See why it stopped: ${logsOn('n1', '3fs-mgmtd')}`,
      },
    ])
  })

  it('says nothing about running containers that never restarted, or whose restarts are unknown', () => {
    const n1 = node({
      containers: [
        {service: 'meta', container: '3fs-meta', state: 'running', restarts: 0},
        {service: 'mgmtd', container: '3fs-mgmtd', state: 'running'},
      ],
    })
    expect(containerProblems(n1, none, context)).toEqual([])
  })

  it('skips containers whose state was not captured', () => {
    const n1 = node({containers: [{service: 'meta', container: '3fs-meta', state: 'unknown'}]})
    expect(containerProblems(n1, none, context)).toEqual([])
  })

  it('reports a container that does not exist, with the deploy command', () => {
    const n1 = node({containers: [{service: 'storage', container: 'st', state: 'absent'}]})
    expect(containerProblems(n1, none, context)).toEqual([
      {
        severity: 'error',
        subject: 'n1/storage',
        cause: 'container st does not exist: never deployed here, or removed',
        next: 'Deploy it (a re-run only adds what is missing): 3fs-cli deploy -c x.yml',
      },
    ])
  })

  it('adds the exit code only for an exited container that has one', () => {
    const n1 = node({
      containers: [
        {service: 'storage', container: 'st', state: 'exited'},
        {service: 'client', container: 'fuse', state: 'restarting', exitCode: 1},
        {service: 'grafana', container: 'graf', state: 'exited', exitCode: 0},
      ],
    })
    expect(containerProblems(n1, none, context)).toEqual([
      {
        severity: 'error',
        subject: 'n1/storage',
        cause: 'container st is exited',
        next: `Read its log, fix the cause, then start it: ${logsOn('n1', 'st')}`,
      },
      {
        severity: 'error',
        subject: 'n1/client',
        cause: 'container fuse is restarting',
        next: `Read its log, fix the cause, then start it: ${logsOn('n1', 'fuse')}`,
      },
      {
        severity: 'warning',
        subject: 'n1/grafana',
        cause: 'container graf is exited (exit code 0)',
        next: `Read its log, fix the cause, then start it: ${logsOn('n1', 'graf')}`,
      },
    ])
  })

  it('calls a stopped core service critical when it runs nowhere, an error when it runs elsewhere, metrics a warning', () => {
    const n1 = node({
      containers: [
        {service: 'fdb', container: '3fs-fdb', state: 'absent'},
        {service: 'mgmtd', container: '3fs-mgmtd', state: 'exited'},
        {service: 'monitor', container: '3fs-monitor', state: 'absent'},
        {service: 'postgresql', container: 'pg', state: 'dead'},
        {service: 'clickhouse', container: 'ch', state: 'paused'},
      ],
    })
    const severities = (running: (service: string) => boolean) =>
      containerProblems(n1, running, context).map((problem) => [problem.subject, problem.severity])
    expect(severities(() => false)).toEqual([
      ['n1/fdb', 'critical'],
      ['n1/mgmtd', 'critical'],
      ['n1/monitor', 'warning'],
      ['n1/postgresql', 'warning'],
      ['n1/clickhouse', 'warning'],
    ])
    expect(severities((service) => service === 'mgmtd')).toEqual([
      ['n1/fdb', 'critical'],
      ['n1/mgmtd', 'error'],
      ['n1/monitor', 'warning'],
      ['n1/postgresql', 'warning'],
      ['n1/clickhouse', 'warning'],
    ])
  })
})

describe('rules/disks', () => {
  it('reports an nvme data directory that is not mounted, with the lsblk command', () => {
    expect(diskProblems(node({disks: [{path: '/d0', exists: true, mounted: false}]}), context)).toEqual([
      {
        severity: 'error',
        subject: 'n1:/d0',
        cause:
          'data disk not mounted: the disk labelled for this directory is missing or was not remounted after a reboot, and storage would write to the root filesystem',
        next: 'Check the disks and their labels: 3fs-cli exec -c x.yml --nodes n1 -- lsblk -o NAME,LABEL,MOUNTPOINT',
      },
    ])
  })

  it('reports a data directory that does not exist, on nvme and dir layouts alike', () => {
    const expected = [
      {
        severity: 'error',
        subject: 'n2:/d1',
        cause: 'storage data directory does not exist',
        next: 'Deploy storage on the node: 3fs-cli deploy -c x.yml',
      },
    ]
    const n2 = node({name: 'n2', disks: [{path: '/d1', exists: false, mounted: false}]})
    expect(diskProblems(n2, context)).toEqual(expected)
    expect(diskProblems(n2, DIR_CONTEXT)).toEqual(expected)
  })

  it('does not ask for a mount on a dir layout', () => {
    expect(
      diskProblems(
        node({disks: [{path: '/d0', exists: true, mounted: false, sizeBytes: 100, usedBytes: 50}]}),
        DIR_CONTEXT,
      ),
    ).toEqual([])
  })

  it(`warns from exactly ${FULL_PERCENT}% full, with the rounded percentage`, () => {
    expect(FULL_PERCENT).toBe(90)
    const disks = [
      {path: '/a', exists: true, mounted: true, sizeBytes: 1000, usedBytes: 899},
      {path: '/b', exists: true, mounted: true, sizeBytes: 1000, usedBytes: 900},
      {path: '/c', exists: true, mounted: true, sizeBytes: 1000, usedBytes: 955},
    ]
    expect(diskProblems(node({disks}), context)).toEqual([
      {
        severity: 'warning',
        subject: 'n1:/b',
        cause: 'data disk 90% full',
        next: 'Free space or add storage nodes before writes fail.',
      },
      {
        severity: 'warning',
        subject: 'n1:/c',
        cause: 'data disk 96% full',
        next: 'Free space or add storage nodes before writes fail.',
      },
    ])
  })

  it('does not judge fullness without a size or a used count', () => {
    const disks = [
      {path: '/zero', exists: true, mounted: true, sizeBytes: 0, usedBytes: 5},
      {path: '/nosize', exists: true, mounted: true, usedBytes: 5},
      {path: '/noused', exists: true, mounted: true, sizeBytes: 100},
    ]
    expect(diskProblems(node({disks}), context)).toEqual([])
    expect(diskProblems(node({disks: []}), context)).toEqual([])
  })
})

describe('rules/mounts', () => {
  const clientNode = (mount: NodeState['mount'], client = 'fuse-n2') =>
    node({
      name: 'n2',
      mount,
      containers: [
        {service: 'storage', container: 'st-n2', state: 'running'},
        ...(client ? [{service: 'client' as const, container: client, state: 'running'}] : []),
      ],
    })

  it('reports nothing for a node without a mount', () => {
    expect(mountProblems(node({}), context)).toEqual([])
  })

  it("reports a lost mount with the fuse client container's log and the deploy command", () => {
    expect(mountProblems(clientNode({path: '/3fs', mounted: false}), context)).toEqual([
      {
        severity: 'error',
        subject: 'n2:/3fs',
        cause: '3FS is not mounted at /3fs (the fuse client is not running, or the mount was lost after a reboot)',
        next: `Read the fuse client's log: ${logsOn('n2', 'fuse-n2')}; a deploy re-run mounts it again: 3fs-cli deploy -c x.yml`,
      },
    ])
  })

  it('names the default client container when the node lists none', () => {
    expect(mountProblems(clientNode({path: '/3fs', mounted: false}, ''), context)[0]!.next).toBe(
      `Read the fuse client's log: ${logsOn('n2', '3fs-client')}; a deploy re-run mounts it again: 3fs-cli deploy -c x.yml`,
    )
  })

  it('reports a mount that is not 3FS, with its type and source', () => {
    expect(
      mountProblems(
        clientNode({path: '/3fs', mounted: true, fstype: 'ext4', source: '/dev/sda1', probe: 'ok'}),
        context,
      ),
    ).toEqual([
      {
        severity: 'error',
        subject: 'n2:/3fs',
        cause: '/3fs is an ext4 mount from /dev/sda1, not 3FS (fuse.hf3fs): programs would write to the wrong place',
        next: 'If nothing needs that mount, unmount it (umount /3fs), then mount 3FS: 3fs-cli deploy -c x.yml',
      },
    ])
  })

  it('says unknown for a mount whose type and source were not seen', () => {
    expect(mountProblems(clientNode({path: '/mnt/x', mounted: true}), context)[0]!.cause).toBe(
      '/mnt/x is an unknown mount from an unknown source, not 3FS (fuse.hf3fs): programs would write to the wrong place',
    )
  })

  it('puts "a" before a type that starts with a consonant, even when a vowel follows', () => {
    expect(
      mountProblems(
        clientNode({path: '/3fs', mounted: true, fstype: 'fuse.sshfs', source: 'ops@10.0.0.9:/data'}),
        context,
      )[0]!.cause,
    ).toBe(
      '/3fs is a fuse.sshfs mount from ops@10.0.0.9:/data, not 3FS (fuse.hf3fs): programs would write to the wrong place',
    )
  })

  it('reports a hung mount and a nearly full one together', () => {
    expect(
      mountProblems(
        clientNode({
          path: '/3fs',
          mounted: true,
          fstype: 'fuse.hf3fs',
          probe: 'failed',
          sizeBytes: 1000,
          usedBytes: 955,
        }),
        context,
      ),
    ).toEqual([
      {
        severity: 'error',
        subject: 'n2:/3fs',
        cause:
          'the mount does not answer a stat and a directory read within 5 s (hung fuse daemon, or no route to storage)',
        next: `Read the fuse client's log: ${logsOn('n2', 'fuse-n2')}`,
      },
      {
        severity: 'warning',
        subject: 'n2:/3fs',
        cause: '3FS is 96% full',
        next: 'Delete data or add storage before writes fail.',
      },
    ])
  })

  it(`warns from exactly ${FULL_PERCENT}% full, and not without a size or a used count`, () => {
    const mount = (sizeBytes: number | undefined, usedBytes: number | undefined) =>
      mountProblems(
        clientNode({
          path: '/3fs',
          mounted: true,
          fstype: 'fuse.hf3fs',
          probe: 'ok',
          ...(sizeBytes !== undefined ? {sizeBytes} : {}),
          ...(usedBytes !== undefined ? {usedBytes} : {}),
        }),
        context,
      )
    expect(mount(1000, 900)).toEqual([
      {
        severity: 'warning',
        subject: 'n2:/3fs',
        cause: '3FS is 90% full',
        next: 'Delete data or add storage before writes fail.',
      },
    ])
    expect(mount(1000, 899)).toEqual([])
    expect(mount(0, 5)).toEqual([])
    expect(mount(undefined, 5)).toEqual([])
    expect(mount(1000, undefined)).toEqual([])
    expect(mount(1000, 0)).toEqual([])
  })
})

describe('rules/fdb', () => {
  const fdbNode = (state: string, container = '3fs-fdb', name = 'n1') =>
    node({
      name,
      containers: [
        {service: 'fdb', container, state},
        {service: 'mgmtd', container: '3fs-mgmtd', state: 'running'},
      ],
    })
  const logs = '3fs-cli exec -c x.yml --service fdb --sudo -- docker logs --tail 100 3fs-fdb'
  const noStatus = {
    fdb: {parsed: false, messages: [], error: 'ERROR: could not connect'},
    problems: [
      {
        severity: 'error',
        subject: 'fdb',
        cause: 'fdbcli gave no status: ERROR: could not connect',
        next: `Check the fdb container: ${logs}`,
      },
    ],
    missing: [],
  }
  const garbage = '\n  ERROR: could not connect\nsecond line\n'

  it('counts a missing status as unseen only when the cluster has fdb nodes', () => {
    expect(fdbProblems(undefined, [], context)).toEqual({problems: [], missing: ['fdb/status.json']})
    expect(fdbProblems(undefined, [], ruleContext({...LAYOUT, fdbNodes: []}, '-c x.yml'))).toEqual({
      problems: [],
      missing: [],
    })
  })

  it('reports output that is not status JSON, with its first line, when nothing explains it', () => {
    expect(fdbProblems(garbage, [], context)).toEqual(noStatus)
    expect(fdbProblems(garbage, [fdbNode('running')], context)).toEqual(noStatus)
    expect(fdbProblems(garbage, [fdbNode('unknown')], context)).toEqual(noStatus)
  })

  it('leaves it to the node when the fdb container on an fdb node is stopped', () => {
    expect(fdbProblems(garbage, [fdbNode('exited')], context)).toEqual({problems: [], missing: []})
    expect(fdbProblems(garbage, [fdbNode('running', '3fs-fdb', 'n2'), fdbNode('absent')], context)).toEqual({
      problems: [],
      missing: [],
    })
  })

  it('does not take a stopped container for the fdb one when it is elsewhere or named otherwise', () => {
    expect(fdbProblems(garbage, [fdbNode('exited', '3fs-fdb', 'n2')], context)).toEqual(noStatus)
    expect(fdbProblems(garbage, [fdbNode('exited', 'other-fdb')], context)).toEqual(noStatus)
    const mgmtdDown = node({
      containers: [
        {service: 'fdb', container: '3fs-fdb', state: 'running'},
        {service: 'mgmtd', container: '3fs-mgmtd', state: 'exited'},
      ],
    })
    expect(fdbProblems(garbage, [mgmtdDown], context)).toEqual(noStatus)
  })

  const status = (available: boolean, healthy: boolean, messages: Array<{name?: string; description?: string}>) =>
    JSON.stringify({
      client: {database_status: {available, healthy}, messages: messages.slice(0, 1)},
      cluster: {messages: messages.slice(1), processes: {a: {}, b: {}}},
    })

  it('calls an unavailable FoundationDB critical, with its messages and the fdb nodes', () => {
    const text = status(false, false, [{name: 'no_quorum', description: 'Unable to reach a quorum'}, {name: 'x_y'}])
    expect(fdbProblems(text, [], context)).toEqual({
      fdb: {
        parsed: true,
        available: false,
        healthy: false,
        messages: ['Unable to reach a quorum', 'x_y'],
        processes: 2,
      },
      problems: [
        {
          severity: 'critical',
          subject: 'fdb',
          cause: 'FoundationDB is unavailable: Unable to reach a quorum; x_y; mgmtd and meta cannot work without it',
          next: `Bring the fdb nodes back (n1) and read: ${logs}`,
        },
      ],
      missing: [],
    })
  })

  it('says nothing more when an unavailable FoundationDB gives no messages', () => {
    const result = fdbProblems(status(false, false, []), [], ruleContext({...LAYOUT, fdbNodes: ['a', 'b']}, '-c x.yml'))
    expect(result.problems).toEqual([
      {
        severity: 'critical',
        subject: 'fdb',
        cause: 'FoundationDB is unavailable; mgmtd and meta cannot work without it',
        next: `Bring the fdb nodes back (a, b) and read: ${logs}`,
      },
    ])
    expect(result.missing).toEqual([])
  })

  it('warns about an available FoundationDB that is not healthy, with and without messages', () => {
    const next =
      'See the details: 3fs-cli exec -c x.yml --service fdb --sudo -- docker exec 3fs-fdb fdbcli --exec status'
    expect(fdbProblems(status(true, false, [{description: 'Recovering'}]), [], context)).toEqual({
      fdb: {parsed: true, available: true, healthy: false, messages: ['Recovering'], processes: 2},
      problems: [
        {severity: 'warning', subject: 'fdb', cause: 'FoundationDB is available but not healthy: Recovering', next},
      ],
      missing: [],
    })
    expect(fdbProblems(status(true, false, []), [], context).problems).toEqual([
      {severity: 'warning', subject: 'fdb', cause: 'FoundationDB is available but not healthy', next},
    ])
  })

  it('reports nothing for a healthy FoundationDB', () => {
    expect(fdbProblems(status(true, true, []), [fdbNode('exited')], context)).toEqual({
      fdb: {parsed: true, available: true, healthy: true, messages: [], processes: 2},
      problems: [],
      missing: [],
    })
  })
})

function row(overrides: Partial<ClusterServiceRow>): ClusterServiceRow {
  return {
    id: 1,
    type: 'STORAGE',
    status: 'HEARTBEAT_CONNECTED',
    hostname: '',
    tags: '[]',
    lastHeartbeat: '2026-12-02 02:59:59',
    configVersion: '1(UPTODATE)',
    configVersionNumber: 1,
    configState: 'UPTODATE',
    configUpToDate: true,
    releaseVersion: 'r',
    ...overrides,
  }
}

/** A row with a bare version (no state printed): not known to be mgmtd's latest. */
function bare(overrides: Partial<ClusterServiceRow>): ClusterServiceRow {
  const {configState: _state, ...rest} = row(overrides)
  return rest
}

describe('rules/services: config versions', () => {
  it('takes the latest version per type only from rows that print a state and a number', () => {
    const rows: NodeRow[] = [
      row({type: 'STORAGE', configVersion: '3(UPTODATE)', configVersionNumber: 3}),
      bare({type: 'STORAGE', configVersion: '7', configVersionNumber: 7}),
      row({type: 'STORAGE', configVersion: '2(DIRTY)', configVersionNumber: 2, configState: 'DIRTY'}),
      bare({type: 'META', configVersion: '9', configVersionNumber: 9}),
      {...row({type: 'MGMTD', configVersion: '(UPTODATE)'}), configVersionNumber: undefined},
    ]
    expect([...latestConfigVersions(rows)]).toEqual([['STORAGE', 3]])
  })

  it('marks only a bare version below the latest of its type stale', () => {
    const rows = [
      row({id: 1, type: 'STORAGE', configVersion: '3(UPTODATE)', configVersionNumber: 3}),
      bare({id: 2, type: 'STORAGE', configVersion: '2', configVersionNumber: 2}),
      bare({id: 3, type: 'STORAGE', configVersion: '3', configVersionNumber: 3}),
      row({id: 4, type: 'STORAGE', configVersion: '1(DIRTY)', configVersionNumber: 1, configState: 'DIRTY'}),
      {...bare({id: 5, type: 'STORAGE', configVersion: 'N/A'}), configVersionNumber: undefined},
      bare({id: 6, type: 'META', configVersion: '1', configVersionNumber: 1}),
    ]
    const marked = markStaleConfigs(rows)
    expect(marked.map((entry) => [entry.id, entry.configStale ?? false])).toEqual([
      [1, false],
      [2, true],
      [3, false],
      [4, false],
      [5, false],
      [6, false],
    ])
    expect(marked[1]).toEqual({...rows[1], configStale: true, configUpToDate: false})
    expect(marked[0]).toBe(rows[0])
  })
})

describe('rules/services: config problems', () => {
  const subjectOf = (id: number) => `storage ${id} on n2`
  const stLogs = logsOn('n2', 'st-n2')

  it('warns about a service that has not taken the latest config', () => {
    const rows = markStaleConfigs([
      row({id: 10001, node: 'n2', configVersion: '4(UPTODATE)', configVersionNumber: 4}),
      bare({id: 10002, node: 'n2', configVersion: '3', configVersionNumber: 3}),
    ])
    expect(serviceProblems(rows, context)).toEqual([
      {
        severity: 'warning',
        subject: subjectOf(10002),
        cause:
          'runs STORAGE config version 3 while mgmtd holds version 4 (its peers show 4(...)): it has not taken the latest config',
        next: `Restart the service so it loads version 4 from mgmtd, then check with status again; if it stays behind, ${stLogs}`,
      },
      {
        severity: 'error',
        subject: 'n1/mgmtd',
        cause: 'mgmtd does not list a MGMTD service on this node',
        next: 'Check that its container runs: 3fs-cli exec -c x.yml --nodes n1 --sudo -- docker ps -a',
      },
      {
        severity: 'error',
        subject: 'n1/meta',
        cause: 'mgmtd does not list a META service on this node',
        next: 'Check that its container runs: 3fs-cli exec -c x.yml --nodes n1 --sudo -- docker ps -a',
      },
    ])
  })

  it('explains a DIRTY, a FAILED and an unknown config state, and accepts UPTODATE', () => {
    const rows = [
      row({id: 1, node: 'n2', configVersion: '5(DIRTY)', configVersionNumber: 5, configState: 'DIRTY'}),
      row({id: 2, node: 'n2', configVersion: '5(FAILED)', configVersionNumber: 5, configState: 'FAILED'}),
      row({id: 3, node: 'n2', configVersion: '5(WEIRD)', configVersionNumber: 5, configState: 'WEIRD'}),
      row({id: 4, node: 'n2', configVersion: '5(UPTODATE)', configVersionNumber: 5}),
    ]
    const upload = 'admin_cli set-config --type STORAGE --file <storage_main.toml>'
    expect(serviceProblems(rows, context).filter((problem) => problem.subject.startsWith('storage'))).toEqual([
      {
        severity: 'warning',
        subject: subjectOf(1),
        cause:
          "config version 5 is DIRTY: the running config differs from mgmtd's copy (a hot update that was not applied, or a key changed by hand)",
        next: `Find the differing keys ("Config has diffs" in its log): ${stLogs}; then restart it or upload the intended file again: ${upload}`,
      },
      {
        severity: 'error',
        subject: subjectOf(2),
        cause:
          "config version 5 FAILED: the service could not render or apply mgmtd's copy of its STORAGE config, and runs an older one",
        next: `Fix the file and upload it again (${upload}), or re-run: 3fs-cli deploy -c x.yml; the reason is in its log: ${stLogs}`,
      },
      {
        severity: 'warning',
        subject: subjectOf(3),
        cause: 'config in a state 3fs-cli does not know (5(WEIRD))',
        next: stLogs,
      },
    ])
  })
})

describe('rules/services: heartbeats', () => {
  const metaLogs = logsOn('n1', '3fs-meta')
  const only = (rows: ClusterServiceRow[]) =>
    serviceProblems(rows, context).filter((problem) => !problem.cause.startsWith('mgmtd does not list'))

  it('calls the last meta service failing critical, with what that means and its container log', () => {
    expect(only([row({id: 100, type: 'META', node: 'n1', hostname: 'host-1', status: 'HEARTBEAT_FAILED'})])).toEqual([
      {
        severity: 'critical',
        subject: 'meta 100 on n1',
        cause:
          'stopped sending heartbeats to mgmtd (last 2026-12-02 02:59:59); no other meta service is up, so no file can be opened, listed or created',
        next: `Read why it stopped, then start it: ${metaLogs}`,
      },
    ])
  })

  it('calls a failing meta an error while another meta is up, whatever other types do', () => {
    const failing = row({id: 100, type: 'META', node: 'n1', status: 'HEARTBEAT_FAILED'})
    const expected = {
      severity: 'error',
      subject: 'meta 100 on n1',
      cause: 'stopped sending heartbeats to mgmtd (last 2026-12-02 02:59:59)',
      next: `Read why it stopped, then start it: ${metaLogs}`,
    }
    expect(only([failing, row({id: 101, type: 'META', status: 'HEARTBEAT_CONNECTED'})])).toEqual([expected])
    expect(only([failing, row({id: 10001, type: 'STORAGE', status: 'HEARTBEAT_CONNECTED'})])[0]!.severity).toBe(
      'critical',
    )
  })

  it('calls the last mgmtd failing critical without the meta sentence, and a failing storage an error', () => {
    expect(
      only([
        row({id: 1, type: 'MGMTD', node: 'n1', status: 'HEARTBEAT_FAILED', lastHeartbeat: ''}),
        row({id: 10001, type: 'STORAGE', node: 'n2', status: 'HEARTBEAT_FAILED'}),
      ]),
    ).toEqual([
      {
        severity: 'critical',
        subject: 'mgmtd 1 on n1',
        cause: 'stopped sending heartbeats to mgmtd (last never)',
        next: `Read why it stopped, then start it: ${logsOn('n1', '3fs-mgmtd')}`,
      },
      {
        severity: 'error',
        subject: 'storage 10001 on n2',
        cause: 'stopped sending heartbeats to mgmtd (last 2026-12-02 02:59:59)',
        next: `Read why it stopped, then start it: ${logsOn('n2', 'st-n2')}`,
      },
    ])
  })

  it('names the hostname when the service maps to no node, and says how to read its log there', () => {
    expect(only([row({id: 10009, hostname: 'far', status: 'HEARTBEAT_FAILED'})])).toEqual([
      {
        severity: 'error',
        subject: 'storage 10009 on far',
        cause: 'stopped sending heartbeats to mgmtd (last 2026-12-02 02:59:59)',
        next: "read the storage service's log on far",
      },
    ])
  })

  it('names neither a node nor a hostname when mgmtd printed none', () => {
    expect(only([row({id: 10009, hostname: '', status: 'HEARTBEAT_FAILED'})])).toEqual([
      {
        severity: 'error',
        subject: 'storage 10009',
        cause: 'stopped sending heartbeats to mgmtd (last 2026-12-02 02:59:59)',
        next: "read the storage service's log on its node",
      },
    ])
  })

  it('prefers the cluster.yml node over the hostname, and falls back to words when that node has no such container', () => {
    expect(only([row({id: 100, type: 'META', node: 'n2', hostname: 'host-2', status: 'HEARTBEAT_FAILED'})])).toEqual([
      {
        severity: 'critical',
        subject: 'meta 100 on n2',
        cause:
          'stopped sending heartbeats to mgmtd (last 2026-12-02 02:59:59); no other meta service is up, so no file can be opened, listed or created',
        next: "read the meta service's log on n2",
      },
    ])
  })

  it('reports a connecting, a disabled and an unknown state, and nothing for up or empty ones', () => {
    expect(
      only([
        row({id: 1, type: 'META', node: 'n1', status: 'HEARTBEAT_CONNECTING'}),
        row({id: 2, type: 'META', node: 'n1', status: 'DISABLED'}),
        row({id: 3, type: 'META', node: 'n1', status: 'SOMETHING_NEW'}),
        row({id: 4, type: 'MGMTD', node: 'n1', status: 'PRIMARY_MGMTD'}),
        row({id: 5, type: 'META', node: 'n1', status: 'HEARTBEAT_CONNECTED'}),
        row({id: 6, type: 'META', node: 'n1', status: ''}),
      ]),
    ).toEqual([
      {
        severity: 'warning',
        subject: 'meta 1 on n1',
        cause: 'still connecting to mgmtd (just started, or its network is failing)',
        next: `Wait a few seconds and run status again; if it stays, ${metaLogs}`,
      },
      {
        severity: 'warning',
        subject: 'meta 2 on n1',
        cause: 'disabled in mgmtd',
        next: 'Enable it again with admin_cli enable-node if that was not intended.',
      },
      {
        severity: 'warning',
        subject: 'meta 3 on n1',
        cause: 'in state SOMETHING_NEW, which 3fs-cli does not know',
        next: metaLogs,
      },
    ])
  })
})

describe('rules/services: services that never registered', () => {
  it('reports each expected service that mgmtd lists on no node, or only on another node', () => {
    const problems = serviceProblems(
      [
        row({id: 100, type: 'META', node: 'n1'}),
        row({id: 1, type: 'MGMTD', node: 'n2', status: 'PRIMARY_MGMTD'}),
        row({id: 10002, type: 'STORAGE', hostname: 'n2'}),
      ],
      context,
    )
    expect(problems).toEqual([
      {
        severity: 'error',
        subject: 'n1/mgmtd',
        cause: 'mgmtd does not list a MGMTD service on this node',
        next: 'Check that its container runs: 3fs-cli exec -c x.yml --nodes n1 --sudo -- docker ps -a',
      },
      {
        severity: 'error',
        subject: 'n2/storage',
        cause: 'mgmtd does not list a STORAGE service on this node',
        next: 'Check that its container runs: 3fs-cli exec -c x.yml --nodes n2 --sudo -- docker ps -a',
      },
    ])
  })

  it('reports nothing when every expected service is listed on its node', () => {
    expect(
      serviceProblems(
        [
          row({id: 1, type: 'MGMTD', node: 'n1', status: 'PRIMARY_MGMTD'}),
          row({id: 100, type: 'META', node: 'n1'}),
          row({id: 10002, type: 'STORAGE', node: 'n2'}),
        ],
        context,
      ),
    ).toEqual([])
  })
})

// judge(): what it joins from the rules, on a raw capture built in memory.
const JUDGE_LAYOUT: StatusLayout = {
  ...LAYOUT,
  cluster: 'jc',
  nodes: [
    {
      name: 'a1',
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
      name: 'a2',
      host: 'h2',
      services: ['storage', 'client'],
      containers: [
        {service: 'storage', container: '3fs-storage'},
        {service: 'client', container: '3fs-client'},
      ],
      mountpoint: '/3fs',
      dataDirs: ['/d0'],
    },
    {
      name: 'a3',
      host: 'h3',
      services: ['client'],
      containers: [{service: 'client', container: '3fs-client'}],
      mountpoint: '/3fs',
      dataDirs: [],
    },
    {
      name: 'a4',
      host: 'h4',
      services: ['client'],
      containers: [{service: 'client', container: '3fs-client'}],
      mountpoint: '/3fs',
      dataDirs: [],
    },
  ],
  adminNodes: ['a1'],
  fdbNodes: ['a1'],
}

const RUNTIME = 'PATH="/usr/bin/docker"\nVERSION="27.3.1"\n'
const running = (...containers: string[]) => containers.map((name) => `${name}|running|0||0`).join('\n') + '\n'
const DF = (used: number) => `Filesystem 1-blocks Used Available Capacity Mounted on\nhf3fs 1000 ${used} 0 1% /3fs\n`

function rawStatus(admin: Record<string, string>): RawStatus {
  return {
    layout: JUDGE_LAYOUT,
    nodes: {
      a1: {
        sections: {hostname: 'a1-host\n', runtime: RUNTIME, containers: running('3fs-fdb', '3fs-mgmtd', '3fs-meta')},
      },
      a2: {
        sections: {
          hostname: 'a2-host\n',
          runtime: RUNTIME,
          containers: running('3fs-storage', '3fs-client'),
          mount: 'TARGET="/3fs" FSTYPE="ext4" SOURCE="/dev/sdb"\n',
          'mount-probe': 'PROBE="ok" MICROS="100"\n',
          disks: 'DIR="/d0" EXISTS="1" FSTYPE="xfs" SOURCE="/dev/nvme0n1" SIZE="1000" USED="10"\n',
        },
      },
      a3: {
        sections: {
          hostname: 'a3\n',
          runtime: RUNTIME,
          containers: running('3fs-client'),
          mount: 'TARGET="/3fs" FSTYPE="fuse.hf3fs" SOURCE="hf3fs.jc"\n',
          'mount-df': DF(10),
          'mount-probe': 'PROBE="failed"\n',
        },
      },
      a4: {
        sections: {
          hostname: 'a4\n',
          runtime: RUNTIME,
          containers: running('3fs-client'),
          mount: 'TARGET="/3fs" FSTYPE="fuse.hf3fs" SOURCE="hf3fs.jc"\n',
          'mount-df': DF(10),
          'mount-probe': 'PROBE="ok" MICROS="100"\n',
        },
      },
    },
    admin: {node: 'a1', sections: admin},
    missing: [],
  }
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
const TARGET_HEADER = ['TargetId', 'ChainId', 'Role', 'PublicState', 'LocalState', 'NodeId', 'DiskIndex', 'UsedSize']
const LIST_NODES = printTable([
  NODE_HEADER,
  ['1', 'MGMTD', 'PRIMARY_MGMTD', 'h1', '1', '[]', 'N/A', '1(UPTODATE)', 'r'],
  ['100', 'META', 'HEARTBEAT_CONNECTED', 'a1-host', '2', '[]', '2026-11-28 01:59:58', '1(UPTODATE)', 'r'],
  ['10002', 'STORAGE', 'HEARTBEAT_CONNECTED', 'a2', '3', '[]', '2026-11-28 01:59:58', '1(UPTODATE)', 'r'],
  ['10009', 'STORAGE', 'HEARTBEAT_CONNECTED', 'elsewhere', '4', '[]', '2026-11-28 01:59:58', '1(UPTODATE)', 'r'],
])

describe('judge: joining the rules', () => {
  it('judges nodes alone when admin_cli and fdb gave nothing: no service or chain problems, empty tables', () => {
    const report = judge(rawStatus({}), {configArg: '-c j.yml', observedAt: '2026-11-28T02:00:00Z'})
    expect(report.observedAt).toBe('2026-11-28T02:00:00Z')
    expect(report.services).toEqual([])
    expect(report.targets).toEqual([])
    expect(report.chains).toEqual([])
    expect(report.clients).toEqual([])
    expect(report.problems.map((problem) => [problem.severity, problem.subject])).toEqual([
      ['error', 'a2:/3fs'],
      ['error', 'a3:/3fs'],
      ['warning', 'status'],
    ])
    expect(report.verdict).toBe('DEGRADED')
    expect(report.summary).toEqual({
      nodes: 4,
      reachable: 4,
      chains: 0,
      servingChains: 0,
      targets: 0,
      servingTargets: 0,
      clients: 0,
      mounts: 3,
      mountsOk: 1,
    })
  })

  it('stamps the report with the time it was judged when no capture time is given', () => {
    const before = Date.now()
    const report = judge(rawStatus({}), {configArg: '-c j.yml'})
    expect(report.observedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    expect(Date.parse(report.observedAt)).toBeGreaterThanOrEqual(before - 1000)
  })

  it('keeps list-nodes and list-targets rows whole, adding the node only where one matches', () => {
    const targetsText = printTable([
      TARGET_HEADER,
      ['101', '7', 'HEAD', 'SERVING', 'UPTODATE', '10002', '0', '5'],
      ['102', '7', 'TAIL', 'SERVING', 'UPTODATE', '10009', '0', '5'],
    ])
    const report = judge(rawStatus({'admin_cli/list-nodes': LIST_NODES, 'admin_cli/list-targets': targetsText}), {
      configArg: '-c j.yml',
      observedAt: '2026-11-28T02:00:00.000Z',
    })
    const [mgmtd, meta, storage, far] = parseListNodes(LIST_NODES)
    expect(report.services).toEqual([{...mgmtd, node: 'a1'}, {...meta, node: 'a1'}, {...storage, node: 'a2'}, far])
    const [mapped, unmapped] = parseListTargets(targetsText)
    expect(report.targets).toEqual([{...mapped, node: 'a2'}, unmapped])
    expect(report.chains).toEqual([])
    expect(report.problems.some((problem) => problem.subject === 'chains')).toBe(false)
  })

  it('does not call rebuilt chains missing when list-chains failed and list-targets listed none', () => {
    const report = judge(
      rawStatus({
        'admin_cli/list-nodes': LIST_NODES,
        'admin_cli/list-chains': printError(6004, 'MgmtdClient::RoutingInfoNotReady'),
        'admin_cli/list-targets': printTable([TARGET_HEADER]),
      }),
      {configArg: '-c j.yml', observedAt: '2026-11-28T02:00:00.000Z'},
    )
    expect(report.basis.chainsFrom).toBe('list-targets')
    expect(report.chains).toEqual([])
    expect(report.problems.some((problem) => problem.subject === 'chains')).toBe(false)
    expect(report.problems.find((problem) => problem.subject === 'admin_cli list-chains')).toMatchObject({
      severity: 'warning',
    })
  })
})

describe('judge: mapping services to nodes by hostname', () => {
  it('does not give a service with an empty hostname to a node whose hostname came back blank', () => {
    const raw = rawStatus({
      'admin_cli/list-nodes': printTable([
        NODE_HEADER,
        ['10005', 'STORAGE', 'HEARTBEAT_CONNECTED', '', '4', '[]', '2026-11-28 01:59:58', '1(UPTODATE)', 'r'],
        ['10002', 'STORAGE', 'HEARTBEAT_CONNECTED', 'h3', '3', '[]', '2026-11-28 01:59:58', '1(UPTODATE)', 'r'],
      ]),
    })
    raw.nodes.a3!.sections.hostname = ' \n'
    const report = judge(raw, {configArg: '-c j.yml', observedAt: '2026-11-28T02:00:00.000Z'})
    expect(report.nodes.find((entry) => entry.name === 'a3')!.hostname).toBe('')
    expect(report.services.map((service) => [service.id, service.node])).toEqual([
      [10005, undefined],
      [10002, 'a3'],
    ])
  })
})
