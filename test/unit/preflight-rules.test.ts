/**
 * Preflight rules one at a time, each run on THIS machine's real facts where the fact can be made here:
 * real listeners on loopback addresses for ports, the kernel's own answer to setrlimit (asked
 * independently through Python's resource module) for nofile/memlock, and real shared and private mounts
 * in a private mount namespace (unshare, as root) for propagation.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {createServer, type Server} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {parseCluster} from '../../src/config/loader.js'
import {deployContext} from '../../src/deploy/context.js'
import type {PreflightRule} from '../../src/deploy/preflight/model.js'
import {PREFLIGHT_RULES} from '../../src/deploy/preflight/rules.js'
import {memlockRule, NOFILE, nofileRule} from '../../src/deploy/preflight/rules/limits.js'
import {portsOf} from '../../src/cluster/ports.js'
import {parseListener, parseNicAddresses, portsRule} from '../../src/deploy/preflight/rules/ports.js'
import {propagationRule} from '../../src/deploy/preflight/rules/client.js'
import {PROBE_FUNCTIONS, splitSections} from '../../src/cluster/probe-protocol.js'

const isRoot = process.getuid?.() === 0

function clusterWith(ports: {fdb: number; storageRdma: number; storageTcp: number}, mountpoint = '/3fs') {
  return parseCluster(
    `name: rules
nodes:
  - {name: a, host: 127.0.0.5, username: root}
services:
  fdb: {nodes: [a], port: ${ports.fdb}}
  clickhouse: {nodes: [a]}
  monitor: {nodes: [a]}
  mgmtd: {nodes: [a], stripeSize: 1}
  meta: {nodes: [a]}
  storage: {nodes: [a], diskType: dir, replicationFactor: 1, rdmaListenPort: ${ports.storageRdma}, tcpListenPort: ${ports.storageTcp}}
  client: {nodes: [a], hostMountpoint: ${mountpoint}}
`,
    'cluster.yml',
  )
}

/** Runs a rule's own probe lines in a local shell (optionally wrapped, e.g. in unshare) and judges them. */
function runRule(
  rule: PreflightRule,
  cluster: ReturnType<typeof clusterWith>,
  wrap: (script: string) => string[] = (script) => ['sh', '-c', script],
) {
  const context = deployContext(cluster)
  const node = cluster.nodes[0]!
  const input = {
    context,
    node,
    services: ['fdb', 'clickhouse', 'monitor', 'mgmtd', 'meta', 'storage', 'client'] as const,
  }
  const script = [PROBE_FUNCTIONS, ...rule.probe({...input, services: [...input.services]})].join('\n')
  const [command, ...args] = wrap(script)
  const output = execFileSync(command!, args, {encoding: 'utf8'})
  const sections = splitSections(output)
  return rule.judge({...input, services: [...input.services], text: (name) => (sections[name] ?? '').trim()})
}

async function listen(host: string): Promise<{server: Server; port: number}> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, resolve))
  return {server, port: (server.address() as {port: number}).port}
}

describe('preflight rule table', () => {
  it('has one rule per check name, each probing only sections of its own', () => {
    const names = PREFLIGHT_RULES.map((rule) => rule.check)
    expect(new Set(names).size).toBe(names.length)
    expect(names).toEqual(expect.arrayContaining(['ports', 'nofile', 'memlock', 'propagation']))
  })
})

describe('ports rule: a port is taken only where the service would bind it', () => {
  const servers: Server[] = []
  afterAll(() => servers.forEach((server) => server.close()))

  it('parses ss and netstat local addresses and ip -o addresses', () => {
    expect(parseListener('0.0.0.0:22')).toEqual({address: '*', port: 22})
    expect(parseListener('[::]:8000')).toEqual({address: '*', port: 8000})
    expect(parseListener(':::8000')).toEqual({address: '*', port: 8000})
    expect(parseListener('*:9000')).toEqual({address: '*', port: 9000})
    expect(parseListener('[::ffff:10.0.0.1]:80')).toEqual({address: '10.0.0.1', port: 80})
    expect(parseListener('127.0.0.53%lo:53')).toEqual({address: '127.0.0.53', port: 53})
    expect(parseListener('garbage')).toBeUndefined()
    expect(
      parseNicAddresses(
        '2: eth0    inet 10.1.2.3/24 brd 10.1.2.255 scope global eth0\n3: ib0    inet 192.168.9.1/16 scope global ib0\n',
      ),
    ).toEqual([
      {nic: 'eth0', address: '10.1.2.3'},
      {nic: 'ib0', address: '192.168.9.1'},
    ])
  })

  it('with real listeners: another loopback address is no clash for storage, the node address and 0.0.0.0 are, and FoundationDB clashes with any listener', async () => {
    const elsewhere = await listen('127.0.0.1')
    const onNode = await listen('127.0.0.5')
    const everywhere = await listen('0.0.0.0')
    servers.push(elsewhere.server, onNode.server, everywhere.server)

    const free = runRule(portsRule, clusterWith({fdb: 1, storageRdma: elsewhere.port, storageTcp: 2}))
    expect(free).toMatchObject({check: 'ports', status: 'ok'})

    const taken = runRule(
      portsRule,
      clusterWith({fdb: elsewhere.port, storageRdma: onNode.port, storageTcp: everywhere.port}),
    )
    expect(taken.status).toBe('fail')
    expect(taken.detail).toContain(`${elsewhere.port} (fdb) on 127.0.0.1`)
    expect(taken.detail).toContain(`${onNode.port} (storage) on 127.0.0.5`)
    expect(taken.detail).toContain(`${everywhere.port} (storage) on every address`)
  })
})

describe('ports of the services deploy starts', () => {
  it("include Grafana's (deploy starts it on the host network) and not PostgreSQL's (deploy never starts it)", () => {
    const cluster = parseCluster(
      `name: g
nodes:
  - {name: a, host: 10.0.0.1, username: root}
services:
  fdb: {nodes: [a]}
  clickhouse: {nodes: [a]}
  monitor: {nodes: [a]}
  mgmtd: {nodes: [a], stripeSize: 1}
  meta: {nodes: [a]}
  storage: {nodes: [a], diskType: dir, replicationFactor: 1}
  grafana: {nodes: [a], port: 3123}
`,
      'cluster.yml',
    )
    expect(portsOf(cluster, 'grafana')).toEqual([3123])
    expect(portsOf(cluster, 'postgresql')).toEqual([])
  })
})

describe('limit rules: the kernel is asked what the container runtime will ask', () => {
  /** Python's setrlimit, as root, in a child: the independent answer. */
  function kernelAllows(resource: 'RLIMIT_NOFILE' | 'RLIMIT_MEMLOCK', value: string): boolean {
    const code = `import resource; resource.setrlimit(resource.${resource}, (${value}, ${value}))`
    return spawnSync('python3', ['-c', code]).status === 0
  }

  it.skipIf(!isRoot)(
    'nofile: the verdict on this machine agrees with setrlimit(RLIMIT_NOFILE, 1048576) from Python, and names why when it fails',
    () => {
      const result = runRule(nofileRule, clusterWith({fdb: 1, storageRdma: 2, storageTcp: 3}))
      const engineHas = /already runs with nofile/.test(result.detail)
      if (!engineHas) expect(result.status).toBe(kernelAllows('RLIMIT_NOFILE', String(NOFILE)) ? 'ok' : 'fail')
      if (result.status === 'fail') expect(result.detail).toMatch(/fs\.nr_open is \d+|setrlimit is refused to root/)
    },
  )

  it.skipIf(!isRoot)('memlock: the verdict agrees with setrlimit(RLIMIT_MEMLOCK, unlimited) from Python', () => {
    const result = runRule(memlockRule, clusterWith({fdb: 1, storageRdma: 2, storageTcp: 3}))
    if (!/already runs with memlock/.test(result.detail))
      expect(result.status).toBe(kernelAllows('RLIMIT_MEMLOCK', 'resource.RLIM_INFINITY') ? 'ok' : 'fail')
  })

  it('judges each combination of facts as the runtime would meet them', () => {
    const judge = (text: string) =>
      nofileRule.judge({text: (section: string) => (section === 'nofile' ? text : '')} as never)
    expect(judge('NR_OPEN=1048576\nRAISE=ok').status).toBe('ok')
    expect(judge('NR_OPEN=1048576\nRAISE=refused\nENGINE=containerd 1048576')).toMatchObject({
      status: 'ok',
      detail: 'containerd already runs with nofile 1048576',
    })
    expect(judge('NR_OPEN=65536\nRAISE=refused\nENGINE=dockerd 65536')).toMatchObject({
      status: 'fail',
      fix: 'sysctl -w fs.nr_open=1048576 (and in /etc/sysctl.d/)',
    })
    expect(judge('NR_OPEN=1048576\nRAISE=refused\nENGINE=dockerd 20000').detail).toBe(
      '3FS containers start with --ulimit nofile=1048576, which this node cannot give: setrlimit is refused to root (no CAP_SYS_RESOURCE: a container or LXC node?), and dockerd runs with 20000',
    )
    const memlock = (text: string) =>
      memlockRule.judge({text: (section: string) => (section === 'memlock' ? text : '')} as never)
    expect(memlock('RAISE=refused\nENGINE=containerd unlimited').status).toBe('ok')
    expect(memlock('RAISE=refused\nENGINE=containerd 8388608')).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('LimitMEMLOCK=infinity'),
    })
  })
})

describe('propagation rule: the client mount must be able to reach the host', () => {
  const inNamespace = (setup: string) => (script: string) => [
    'unshare',
    '-m',
    '--propagation',
    'unchanged',
    'sh',
    '-c',
    `${setup} && ${script}`,
  ]

  it.skipIf(!isRoot)(
    'a mount point under a private mount fails naming the mount and the fix; under a shared one it passes',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'propagation-'))
      const mountpoint = join(dir, '3fs')
      const privateMount = runRule(
        propagationRule,
        clusterWith({fdb: 1, storageRdma: 2, storageTcp: 3}, mountpoint),
        inNamespace(`mount -t tmpfs none ${dir} && mount --make-private ${dir}`),
      )
      expect(privateMount).toMatchObject({
        status: 'fail',
        fix: `mount --make-rshared ${dir} (systemd makes / shared at boot; find what made it private)`,
      })
      expect(privateMount.detail).toContain(`${mountpoint} is on the mount ${dir}, whose propagation is private`)
      const sharedMount = runRule(
        propagationRule,
        clusterWith({fdb: 1, storageRdma: 2, storageTcp: 3}, mountpoint),
        inNamespace(`mount -t tmpfs none ${dir} && mount --make-shared ${dir}`),
      )
      expect(sharedMount).toMatchObject({status: 'ok', detail: `${mountpoint} is on ${dir} (shared)`})
    },
  )
})
