/** cluster.yml loading: m3fs compatibility, strictness, positions, semantic checks. */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {parseCluster} from '../../src/config/loader.js'
import {problemsOf} from '../helpers/config.js'

const FIXTURES = join(import.meta.dirname, '..', 'fixtures')

/** A minimal valid cluster: one node running everything. */
function minimal(extra = '', storage = 'diskType: dir, replicationFactor: 1'): string {
  return `name: t
nodes:
  - {name: a, host: 10.0.0.1, username: root}
services:
  fdb: {nodes: [a]}
  clickhouse: {nodes: [a]}
  monitor: {nodes: [a]}
  mgmtd: {nodes: [a]}
  meta: {nodes: [a]}
  storage: {nodes: [a], ${storage}}
  client: {nodes: [a]}
${extra}`
}

describe('m3fs compatibility', () => {
  it('accepts a cluster.yml using every key m3fs reads, expanding node groups as m3fs names them', () => {
    const cluster = parseCluster(readFileSync(join(FIXTURES, 'm3fs-full.yml'), 'utf8'), 'm3fs-full.yml')
    expect(cluster.nodes.map((node) => node.name)).toEqual([
      'alpha',
      'beta',
      'rack-node(10.1.1.10)',
      'rack-node(10.1.1.11)',
      'rack-node(10.1.1.12)',
      'rack-node(10.1.1.13)',
    ])
    expect(cluster.nodes[2]).toMatchObject({host: '10.1.1.10', port: 2222, username: 'root', group: 'rack'})
    expect(cluster.services.storage).toHaveLength(6)
    expect(cluster.services.client).toEqual([
      'alpha',
      'rack-node(10.1.1.10)',
      'rack-node(10.1.1.11)',
      'rack-node(10.1.1.12)',
      'rack-node(10.1.1.13)',
    ])
    expect(cluster.config.services.client?.hostMountpoint).toBe('/mnt/3fs')
    // stripSize (m3fs's sample spelling) is not silently taken for stripeSize: it is a warning with the fix.
    expect(cluster.warnings).toEqual([
      expect.objectContaining({
        severity: 'warning',
        path: 'services.mgmtd.stripSize',
        line: 66,
        column: 5,
        hint: expect.stringContaining('stripeSize'),
      }),
    ])
  })

  it('fills m3fs defaults and mounts at /3fs when the client leaves hostMountpoint out', () => {
    const cluster = parseCluster(minimal(), 'c.yml')
    expect(cluster.config.services.client?.hostMountpoint).toBe('/3fs')
    expect(cluster.config.services.mgmtd).toMatchObject({
      chunkSize: 1_048_576,
      stripeSize: 16,
      rdmaListenPort: 8000,
      tcpListenPort: 9000,
    })
    expect(cluster.config.services.storage).toMatchObject({
      rdmaListenPort: 8002,
      tcpListenPort: 9002,
      targetNumPerDisk: 32,
      chainIDPrefix: 9,
    })
    expect(cluster.nodes[0]!.port).toBe(22)
    expect(cluster.ssh).toMatchObject({hostKeyPolicy: 'strict', connectTimeoutMs: 10_000, concurrency: 64})
  })
})

describe('strict schema', () => {
  it('rejects an unknown key with its line, column, path and a suggestion', () => {
    const problems = problemsOf(minimal().replace('  meta: {nodes: [a]}', '  meta: {nodes: [a], rdmaListenPrt: 8001}'))
    expect(problems).toEqual([
      expect.objectContaining({
        line: 9,
        column: 22,
        path: 'services.meta.rdmaListenPrt',
        message: 'unknown key',
        hint: 'Did you mean "rdmaListenPort"?',
      }),
    ])
  })

  it('refuses a misspelt diskType in storage (non-strict, `diskTyp: dir` would default to nvme and format disks)', () => {
    const problems = problemsOf(minimal('', 'diskTyp: dir, replicationFactor: 1'))
    expect(problems).toEqual([
      expect.objectContaining({
        line: 10,
        column: 25,
        path: 'services.storage.diskTyp',
        message: 'unknown key',
        hint: 'Did you mean "diskType"?',
      }),
    ])
  })

  it('refuses unknown keys in every service, node and ssh section (each object is strict)', () => {
    for (const [text, path] of [
      [minimal().replace('  mgmtd: {nodes: [a]}', '  mgmtd: {nodes: [a], chunkSiz: 1}'), 'services.mgmtd.chunkSiz'],
      [
        minimal().replace('  client: {nodes: [a]}', '  client: {nodes: [a], hostMountPoint: /x}'),
        'services.client.hostMountPoint',
      ],
      [minimal().replace('username: root}', 'username: root, sudoPasword: x}'), 'nodes[0].sudoPasword'],
      [minimal().replace('  fdb: {nodes: [a]}', '  fdb: {nodes: [a], prot: 1}'), 'services.fdb.prot'],
      [
        minimal().replace('  clickhouse: {nodes: [a]}', '  clickhouse: {nodes: [a], prot: 1}'),
        'services.clickhouse.prot',
      ],
      [minimal().replace('  monitor: {nodes: [a]}', '  monitor: {nodes: [a], prot: 1}'), 'services.monitor.prot'],
      [minimal('ssh: {concurency: 2}\n'), 'ssh.concurency'],
    ] as const) {
      expect(problemsOf(text), path).toEqual([expect.objectContaining({path, message: 'unknown key'})])
    }
  })

  it('takes python.venv (3fs-cli extension) as the venv of python install/verify, refusing an unknown key or a relative path with their line', () => {
    const cluster = parseCluster(minimal('python:\n  venv: /srv/envs/3fs\n'), 'cluster.yml')
    expect(cluster.config.python).toEqual({venv: '/srv/envs/3fs'})
    expect(problemsOf(minimal('python:\n  venv: /srv/envs/3fs\n  vnv: /x\n'))).toEqual([
      expect.objectContaining({line: 14, path: 'python.vnv', message: 'unknown key', hint: 'Did you mean "venv"?'}),
    ])
    expect(problemsOf(minimal('python:\n  venv: envs/3fs\n'))).toEqual([
      expect.objectContaining({line: 13, path: 'python.venv', message: expect.stringMatching(/absolute path/)}),
    ])
  })

  it('rejects a misspelt top-level key and lists the known keys when nothing is close', () => {
    const problems = problemsOf(`${minimal()}zzzzzz: 1\n`)
    expect(problems[0]).toMatchObject({line: 12, path: 'zzzzzz'})
    expect(problems[0]!.hint).toContain('Known keys here: name, workDir')
  })

  it('reports a missing required key at its parent', () => {
    const problems = problemsOf(
      minimal().replace('{name: a, host: 10.0.0.1, username: root}', '{name: a, host: 10.0.0.1}'),
    )
    expect(problems).toEqual([
      expect.objectContaining({path: 'nodes[0].username', message: 'is required', line: 3, column: 5}),
    ])
  })

  it('reports wrong types and enum values with the allowed values', () => {
    const problems = problemsOf(minimal().replace('diskType: dir', 'diskType: ssd'))
    expect(problems[0]).toMatchObject({path: 'services.storage.diskType', line: 10, hint: 'Use one of: nvme, dir.'})
    const port = problemsOf(minimal().replace('  meta: {nodes: [a]}', '  meta: {nodes: [a], tcpListenPort: "x"}'))
    expect(port[0]).toMatchObject({path: 'services.meta.tcpListenPort', line: 9})
  })

  it('reports every problem at once, not only the first', () => {
    const text = minimal()
      .replace('name: t', 'name: t\nlogLevl: INFO')
      .replace('  monitor: {nodes: [a]}', '  monitor: {nodes: [a], prot: 1}')
    expect(problemsOf(text).map((problem) => problem.path)).toEqual(['logLevl', 'services.monitor.prot'])
  })

  it('never echoes a password value in a message', () => {
    const problems = problemsOf(minimal().replace('username: root}', 'username: root, password: [hunter2-secret]}'))
    expect(problems[0]!.path).toBe('nodes[0].password')
    expect(JSON.stringify(problems)).not.toContain('hunter2')
  })

  it('reports YAML syntax errors and duplicate keys with their position', () => {
    const syntax = problemsOf('name: t\nnodes: [\n')
    expect(syntax[0]).toMatchObject({path: '(yaml)', line: 3})
    const duplicate = problemsOf(minimal().replace('name: t', 'name: t\nname: u'))
    expect(duplicate[0]).toMatchObject({path: '(yaml)', line: 2})
    expect(duplicate[0]!.message).toMatch(/unique/i)
  })

  it('accepts Go durations and rejects other duration text', () => {
    expect(parseCluster(minimal('ssh: {connectTimeout: 1m30s}'), 'c.yml').ssh.connectTimeoutMs).toBe(90_000)
    expect(problemsOf(minimal('ssh: {connectTimeout: "soon"}'))[0]).toMatchObject({path: 'ssh.connectTimeout'})
  })
})

describe('cluster rules', () => {
  const twoNodes = (services: string) => `name: t
nodes:
  - {name: a, host: 10.0.0.1, username: root}
  - {name: b, host: 10.0.0.2, username: root}
services:
${services}`
  const core = '  fdb: {nodes: [a]}\n  clickhouse: {nodes: [a]}\n  monitor: {nodes: [a]}\n  meta: {nodes: [a]}\n'

  it('rejects duplicate node names and hosts', () => {
    const names = problemsOf(minimal().replace('nodes:\n', 'nodes:\n  - {name: a, host: 10.0.0.9, username: root}\n'))
    expect(names[0]).toMatchObject({path: 'nodes[1].name', line: 4})
    const hosts = problemsOf(minimal().replace('nodes:\n', 'nodes:\n  - {name: z, host: 10.0.0.1, username: root}\n'))
    expect(hosts[0]).toMatchObject({path: 'nodes[1].host'})
    expect(hosts[0]!.message).toContain('already node "z"')
  })

  it("rejects a cluster name of 32 characters or more (3FS's fuse client aborts on it, FuseClients.cc:56-60)", () => {
    const problems = problemsOf(minimal().replace('name: t', `name: ${'c'.repeat(32)}`))
    expect(problems[0]).toMatchObject({path: 'name', line: 1})
    expect(problems[0]!.message).toContain('has 32 characters')
    expect(() => parseCluster(minimal().replace('name: t', `name: ${'c'.repeat(31)}`), 'cluster.yml')).not.toThrow()
  })

  it('warns about a 3fs image tag whose 3FS commit is unknown, naming the commit its configs come from', () => {
    const cluster = parseCluster(minimal('images:\n  3fs: {repo: open3fs/3fs, tag: "20991231"}\n'), 'cluster.yml')
    const warning = cluster.warnings.find((problem) => problem.path === 'images.3fs.tag')
    expect(warning?.message).toContain('rendered from 3FS ee9a5ce')
    expect(
      parseCluster(minimal(), 'cluster.yml').warnings.filter((problem) => problem.path === 'images.3fs.tag'),
    ).toEqual([])
  })

  it('rejects a service node that does not exist, suggesting the closest', () => {
    const problems = problemsOf(twoNodes(`${core}  mgmtd: {nodes: [aa]}\n  storage: {nodes: [a, b]}\n`))
    expect(problems[0]).toMatchObject({path: 'services.mgmtd.nodes[0]', line: 10, hint: 'Did you mean "a"?'})
  })

  it('rejects a missing required service', () => {
    const problems = problemsOf(
      twoNodes(
        `  fdb: {nodes: [a]}\n  monitor: {nodes: [a]}\n  meta: {nodes: [a]}\n  mgmtd: {nodes: [a]}\n  storage: {nodes: [a, b]}\n`,
      ),
    )
    expect(problems.map((problem) => problem.message)).toEqual(['service "clickhouse" is missing'])
  })

  it('rejects overlapping node groups and reversed ranges', () => {
    const groups = `name: t
nodeGroups:
  - {name: g1, username: root, ipBegin: 10.0.0.10, ipEnd: 10.0.0.20}
  - {name: g2, username: root, ipBegin: 10.0.0.20, ipEnd: 10.0.0.30}
  - {name: g3, username: root, ipBegin: 10.0.1.9, ipEnd: 10.0.1.1}
services:
  storage: {nodeGroups: [g1]}
`
    const problems = problemsOf(groups)
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: 'nodeGroups[1].ipBegin',
          line: 4,
          message: expect.stringContaining('overlaps node group "g1"'),
        }),
        expect.objectContaining({
          path: 'nodeGroups[2].ipEnd',
          line: 5,
          message: expect.stringContaining('comes before'),
        }),
      ]),
    )
  })

  it('rejects two services on one port of one host (3FS defaults clash: mgmtd and storage on 8000)', () => {
    const problems = problemsOf(
      twoNodes(`${core}  mgmtd: {nodes: [a]}\n  storage: {nodes: [a, b], rdmaListenPort: 8000}\n`),
    )
    expect(problems).toEqual([
      expect.objectContaining({
        path: 'services.storage.rdmaListenPort',
        line: 11,
        message: 'port 8000 is also services.mgmtd.rdmaListenPort on node "a"',
      }),
    ])
  })

  it('allows the same port for services on different hosts', () => {
    expect(() =>
      parseCluster(
        twoNodes(`${core}  mgmtd: {nodes: [a]}\n  storage: {nodes: [b], rdmaListenPort: 8000, replicationFactor: 1}\n`),
        'c.yml',
      ),
    ).not.toThrow()
  })

  it('rejects a replication factor above the number of storage nodes', () => {
    const problems = problemsOf(
      twoNodes(`${core}  mgmtd: {nodes: [a]}\n  storage: {nodes: [a, b], replicationFactor: 3}\n`),
    )
    expect(problems[0]).toMatchObject({
      path: 'services.storage.replicationFactor',
      hint: 'Add storage nodes or set replicationFactor: 2.',
    })
  })

  it('rejects a stripe size above the number of chains (3FS fails writes with EIO)', () => {
    // 2 nodes x 1 disk x 4 targets / RF 2 = 4 chains
    const problems = problemsOf(
      twoNodes(`${core}  mgmtd: {nodes: [a], stripeSize: 8}\n  storage: {nodes: [a, b], targetNumPerDisk: 4}\n`),
    )
    expect(problems[0]).toMatchObject({path: 'services.mgmtd.stripeSize', line: 10})
    expect(problems[0]!.message).toContain('larger than the 4 chains')
  })

  it('rejects targets that do not divide into chains', () => {
    const problems = problemsOf(`name: t
nodes:
  - {name: a, host: 10.0.0.1, username: root}
  - {name: b, host: 10.0.0.2, username: root}
  - {name: c, host: 10.0.0.3, username: root}
services:
${core}  mgmtd: {nodes: [a], stripeSize: 1}
  storage: {nodes: [a, b, c], targetNumPerDisk: 1, replicationFactor: 2}
`)
    expect(problems[0]).toMatchObject({path: 'services.storage.targetNumPerDisk'})
  })

  it('accepts one storage node with replicationFactor 1', () => {
    const cluster = parseCluster(minimal(), 'c.yml')
    expect(cluster.services.storage).toEqual(['a'])
  })

  it('rejects a system directory as mount point or work dir, and relative paths', () => {
    expect(
      problemsOf(minimal().replace('  client: {nodes: [a]}', '  client: {nodes: [a], hostMountpoint: /usr}'))[0],
    ).toMatchObject({path: 'services.client.hostMountpoint'})
    expect(
      problemsOf(minimal().replace('  client: {nodes: [a]}', '  client: {nodes: [a], hostMountpoint: /}'))[0],
    ).toMatchObject({path: 'services.client.hostMountpoint'})
    expect(
      problemsOf(minimal().replace('  client: {nodes: [a]}', '  client: {nodes: [a], hostMountpoint: mnt/3fs}'))[0]!
        .message,
    ).toContain('absolute path')
    expect(problemsOf(minimal('workDir: /etc'))[0]).toMatchObject({path: 'workDir'})
    expect(problemsOf(minimal('workDir: /3fs'))[0]!.message).toContain('contain one another')
  })

  it('rejects an identityFile that does not exist on this machine', () => {
    const problems = problemsOf(minimal().replace('username: root}', 'username: root, identityFile: /nonexistent/key}'))
    expect(problems[0]).toMatchObject({path: 'nodes[0].identityFile'})
  })
})
