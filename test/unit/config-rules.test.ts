/**
 * The rules of cluster.yml, one by one: each semantic check's exact message, hint and file position, the
 * boundaries of every limit (the value at the limit is accepted, one past it refused), and how the loader
 * reports YAML, alias and schema problems.
 */
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it, vi} from 'vitest'
import {parseDocument} from 'yaml'

import {loadClusterFile, MAX_CONFIG_BYTES, parseCluster} from '../../src/config/loader.js'
import {ConfigError, formatPath, formatProblem, type ConfigProblem} from '../../src/config/problems.js'
import {clusterSchema} from '../../src/config/schema.js'
import {chainCount, expandHome, MAX_CHAIN_ID, MAX_GROUP_SIZE, resolveCluster} from '../../src/config/semantic.js'
import {UsageError} from '../../src/errors.js'
import {problemsOf} from '../helpers/config.js'

const SERVICES = ['fdb', 'clickhouse', 'monitor', 'mgmtd', 'meta', 'storage', 'client'] as const
type Service = (typeof SERVICES)[number]

interface Parts {
  head?: string
  nodes?: string
  groups?: string
  services?: Partial<Record<Service, string | null>>
  tail?: string
}

/**
 * A cluster.yml: two nodes (a, b) by default, every required service on node a, storage as a dir with
 * replicationFactor 1; any part can be replaced, and a service set to null is left out.
 */
function yml(parts: Parts = {}): string {
  const defaults: Record<Service, string> = {
    fdb: '{nodes: [a]}',
    clickhouse: '{nodes: [a]}',
    monitor: '{nodes: [a]}',
    mgmtd: '{nodes: [a]}',
    meta: '{nodes: [a]}',
    storage: '{nodes: [a], diskType: dir, replicationFactor: 1}',
    client: '{nodes: [a]}',
  }
  const services = SERVICES.flatMap((service) => {
    const value = parts.services && service in parts.services ? parts.services[service] : defaults[service]
    return value === null || value === undefined ? [] : [`  ${service}: ${value}`]
  })
  const nodes =
    parts.nodes ??
    'nodes:\n  - {name: a, host: 10.0.0.1, username: root}\n  - {name: b, host: 10.0.0.2, username: root}'
  return [
    parts.head ?? 'name: t',
    'ssh: {configFile: none}',
    nodes,
    ...(parts.groups ? [parts.groups] : []),
    'services:',
    ...services,
    ...(parts.tail ? [parts.tail] : []),
    '',
  ].join('\n')
}

/** Line and column (1-based) of the nth occurrence of `needle` in `text`. */
function at(text: string, needle: string, nth = 1): {line: number; column: number} {
  let offset = -1
  for (let count = 0; count < nth; count++) {
    offset = text.indexOf(needle, offset + 1)
    if (offset < 0) throw new Error(`"${needle}" occurs fewer than ${nth} times`)
  }
  const before = text.slice(0, offset).split('\n')
  return {line: before.length, column: before.at(-1)!.length + 1}
}

/** The ConfigError that parseCluster throws for `text`. */
function configError(text: string, file = 'cluster.yml'): ConfigError {
  try {
    parseCluster(text, file)
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected the config to be rejected')
}

/** The one error reported for `text`, with the file name filled in. */
function onlyError(text: string): ConfigProblem {
  const problems = problemsOf(text)
  expect(problems).toHaveLength(1)
  return problems[0]!
}

function error(
  text: string,
  needle: string,
  path: string,
  message: string,
  hint: string | undefined,
  nth = 1,
): ConfigProblem {
  return {severity: 'error', file: 'cluster.yml', ...at(text, needle, nth), path, message, hint}
}

/** Storage on the given nodes (a flow list) with extra keys. */
function storage(nodes: string, keys: string): string {
  return `{nodes: [${nodes}], diskType: dir, ${keys}}`
}

/** A node group `g` of the given range, used by every required service. */
function groupCluster(ipBegin: string, ipEnd: string, storageKeys = 'replicationFactor: 1'): string {
  const use = '{nodeGroups: [g]}'
  return yml({
    nodes: 'nodes: []',
    groups: `nodeGroups:\n  - {name: g, username: root, ipBegin: ${ipBegin}, ipEnd: ${ipEnd}}`,
    services: {
      fdb: use,
      clickhouse: use,
      monitor: use,
      mgmtd: use,
      meta: use,
      storage: `{nodeGroups: [g], diskType: dir, ${storageKeys}}`,
      client: use,
    },
  })
}

/** The resolution of a schema-valid text, without the loader (no SSH config is read). */
function resolve(text: string): ReturnType<typeof resolveCluster> {
  return resolveCluster(clusterSchema.parse(parseDocument(text).toJS()))
}

describe('YAML problems', () => {
  it('reports a duplicate key with the position of the second one and a syntax hint', () => {
    const text = 'name: a\nname: b\n'
    expect(problemsOf(text)).toEqual([
      {
        severity: 'error',
        file: 'cluster.yml',
        line: 2,
        column: 1,
        path: '(yaml)',
        message: 'Map keys must be unique',
        hint: 'Fix the YAML syntax.',
      },
    ])
  })

  it('reports an alias without an anchor at that alias, not at an earlier resolvable one', () => {
    // An alias that does resolve comes first in the file.
    const text = 'name: &n t\nworkDir: *n\nlogLevel: *n2\n'
    expect(problemsOf(text)).toEqual([
      {
        severity: 'error',
        file: 'cluster.yml',
        ...at(text, '*n2'),
        path: '(yaml)',
        message: 'alias *n2 refers to no anchor &n2 defined before it',
        hint: 'Define &n2 earlier in the file, or fix the name.',
      },
    ])
  })

  it('reports an alias bomb at the first alias of the file', () => {
    const text = [
      'name: t',
      'l1: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]',
      'l2: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'l3: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'l4: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
      '',
    ].join('\n')
    expect(problemsOf(text)).toEqual([
      {
        severity: 'error',
        file: 'cluster.yml',
        line: 3,
        column: 9,
        path: '(yaml)',
        message: 'aliases expand to too much data (more than 100 alias uses per node)',
        hint: 'Write the values out instead of nesting aliases.',
      },
    ])
  })
})

describe('schema problems', () => {
  it('names the top level when the file is not a mapping', () => {
    expect(problemsOf('- a\n- b\n')).toEqual([
      {
        severity: 'error',
        file: 'cluster.yml',
        line: 1,
        column: 1,
        path: '(top level)',
        message: 'Invalid input: expected object, received array',
        hint: undefined,
      },
    ])
  })

  it('reports a missing name of an empty file at the start of its content', () => {
    const problems = problemsOf('# only a comment\n')
    expect(problems[0]).toEqual({
      severity: 'error',
      file: 'cluster.yml',
      line: 1,
      column: 1,
      path: 'name',
      message: 'is required',
      hint: undefined,
    })
  })

  it("keeps zod's message for a value of the wrong type, at the value", () => {
    const text = yml().replace('name: t', 'name: 5')
    expect(onlyError(text)).toEqual(
      error(text, '5', 'name', 'Invalid input: expected string, received number', undefined),
    )
  })

  it('hides what a secret key received, but not what another key received', () => {
    const text = yml().replace('{name: a, host: 10.0.0.1, username: root}', '{name: a, host: 10.0.0.1, password: 123}')
    expect(onlyError(text)).toEqual(
      error(text, '123', 'nodes[0].password', 'Invalid input: expected string, received another type', undefined),
    )
    const other = yml().replace(
      '{name: a, host: 10.0.0.1, username: root}',
      '{name: a, host: 10.0.0.1, identityFile: 7}',
    )
    expect(onlyError(other)).toEqual(
      error(other, '7}', 'nodes[0].identityFile', 'Invalid input: expected string, received number', undefined),
    )
  })

  it('hides what sudoPassword and readOnlyPassword received', () => {
    const text = yml().replace(
      '{name: a, host: 10.0.0.1, username: root}',
      '{name: a, host: 10.0.0.1, sudoPassword: 1}',
    )
    expect(onlyError(text).message).toBe('Invalid input: expected string, received another type')
    const pg = yml({tail: '  postgresql: {readOnlyPassword: 2}'})
    expect(onlyError(pg).message).toBe('Invalid input: expected string, received another type')
  })

  it('lists the allowed values of an enum in the hint', () => {
    const text = yml().replace('diskType: dir', 'diskType: ssd')
    expect(onlyError(text)).toEqual(
      error(
        text,
        'ssd',
        'services.storage.diskType',
        'Invalid option: expected one of "nvme"|"dir"',
        'Use one of: nvme, dir.',
      ),
    )
  })

  it('lists the known keys of a node when an unknown key is no near miss', () => {
    const text = yml().replace('username: root}', 'username: root, zzzzzzzzzz: 1}')
    expect(onlyError(text)).toEqual(
      error(
        text,
        'zzzzzzzzzz',
        'nodes[0].zzzzzzzzzz',
        'unknown key',
        'Known keys here: name, host, port, username, password, rdmaAddresses, identityFile, sudoPassword.',
      ),
    )
  })

  it('lists the known keys of ssh (a section with a default) and of the top level', () => {
    const text = yml().replace('ssh: {configFile: none}', 'ssh: {configFile: none, qqqqqqqqqq: 1}')
    expect(onlyError(text).hint).toBe(
      'Known keys here: configFile, knownHostsFile, hostKeyPolicy, identityFile, useAgent, connectTimeout, commandTimeout, keepaliveInterval, concurrency.',
    )
    const top = yml({tail: 'qqqqqqqqqq: 1'})
    expect(onlyError(top)).toEqual(
      error(
        top,
        'qqqqqqqqqq',
        'qqqqqqqqqq',
        'unknown key',
        'Known keys here: name, workDir, networkType, logLevel, nodes, nodeGroups, services, images, ui, serviceBasePath, cmdmaxexittimeout, checkstatustimeout, checkstatusinterval, python, ssh.',
      ),
    )
  })

  it('lists the known keys of an optional service', () => {
    const text = yml({services: {client: '{nodes: [a], qqqqqqqqqq: 1}'}})
    expect(onlyError(text).hint).toBe('Known keys here: containerName, nodes, nodeGroups, hostMountpoint.')
  })

  it('orders problems on one line by column, as a reader meets them', () => {
    const text = yml({services: {meta: '{tcpListenPort: x, rdmaListenPort: y, nodes: 5}'}})
    const problems = problemsOf(text)
    expect(problems.map((problem) => problem.path)).toEqual([
      'services.meta.tcpListenPort',
      'services.meta.rdmaListenPort',
      'services.meta.nodes',
    ])
    expect(problems.map((problem) => problem.column)).toEqual([
      at(text, 'x,').column,
      at(text, 'y,').column,
      at(text, '5}').column,
    ])
  })
})

describe('the error that carries the problems', () => {
  it('counts and lists only the errors, one per line, and keeps the warnings in problems', () => {
    const text = yml({head: 'name: t\nimages: {3fs: {repo: r, tag: unknown-tag}}'}).replace(
      '  fdb: {nodes: [a]}',
      '  fdb: {nodes: [zzzzzz]}',
    )
    const thrown = configError(text)
    expect(thrown.name).toBe('ConfigError')
    expect(thrown).toBeInstanceOf(UsageError)
    const position = at(text, 'zzzzzz')
    expect(thrown.message).toBe(
      `cluster.yml is invalid (1 problem):\n  cluster.yml:${position.line}:${position.column} services.fdb.nodes[0]: node "zzzzzz" is not defined under nodes:. Define it under nodes: or fix the name.`,
    )
    expect(thrown.next).toEqual([
      'Fix the keys named above in cluster.yml, then run `3fs-cli config validate -c cluster.yml`. Nothing was changed on any node.',
    ])
    expect(thrown.problems.map((problem) => problem.severity)).toEqual(['warning', 'error'])
  })

  it('says "problems" for more than one', () => {
    const text = yml({services: {fdb: '{nodes: [zzzzzz]}', monitor: '{nodes: [yyyyyy]}'}})
    expect(configError(text).message).toMatch(/^cluster\.yml is invalid \(2 problems\):\n {2}cluster\.yml:\d+:\d+ /)
    expect(configError(text).message.split('\n')).toHaveLength(3)
  })

  it('formats a problem as file:line:column path: message. hint', () => {
    const problem: ConfigProblem = {
      severity: 'error',
      file: 'c.yml',
      line: 3,
      column: 7,
      path: 'a.b',
      message: 'is wrong',
      hint: 'Fix it.',
    }
    expect(formatProblem(problem)).toBe('c.yml:3:7 a.b: is wrong. Fix it.')
    expect(formatProblem({...problem, hint: undefined})).toBe('c.yml:3:7 a.b: is wrong.')
  })

  it('formats key paths with dots and indexes', () => {
    expect(formatPath([])).toBe('(top level)')
    expect(formatPath(['nodes', 2, 'host'])).toBe('nodes[2].host')
    expect(formatPath([0, 'a'])).toBe('[0].a')
  })
})

describe('the file name in messages', () => {
  const text = yml({services: {fdb: '{nodes: [zzzzzz]}'}})

  it('is relative to the working directory for a file below it', () => {
    expect(problemsOf(text)[0]!.file).toBe('cluster.yml')
    expect(configError(text, join(process.cwd(), 'sub', 'c.yml')).problems[0]!.file).toBe(join('sub', 'c.yml'))
  })

  it('is the path as given for a file outside the working directory or the directory itself', () => {
    expect(configError(text, '/elsewhere/c.yml').problems[0]!.file).toBe('/elsewhere/c.yml')
    expect(configError(text, process.cwd()).problems[0]!.file).toBe(process.cwd())
  })
})

describe('loading a file', () => {
  const directory = mkdtempSync(join(tmpdir(), 'config-rules-'))
  afterAll(() => rmSync(directory, {recursive: true, force: true}))

  it('reads and checks a regular file', async () => {
    const file = join(directory, 'ok.yml')
    writeFileSync(file, yml())
    const cluster = await loadClusterFile(file)
    expect(cluster.file).toBe(file)
    expect(cluster.nodes.map((node) => node.name)).toEqual(['a', 'b'])
  })

  it('refuses a directory', async () => {
    const sub = join(directory, 'dir.yml')
    mkdirSync(sub)
    await expect(loadClusterFile(sub)).rejects.toMatchObject({
      name: 'UsageError',
      message: `${sub} is not a regular file (a directory)`,
      next: ['Pass the path of a cluster.yml file with -c.'],
    })
  })

  it('refuses a FIFO without opening it', async () => {
    const fifo = join(directory, 'fifo.yml')
    execFileSync('mkfifo', [fifo])
    await expect(loadClusterFile(fifo)).rejects.toMatchObject({
      name: 'UsageError',
      message: `${fifo} is not a regular file (a FIFO, socket or device)`,
      next: ['Pass the path of a cluster.yml file with -c.'],
    })
  })

  it('refuses a file over the size limit but reads one exactly at it', async () => {
    const big = join(directory, 'big.yml')
    const base = yml()
    const padding = MAX_CONFIG_BYTES - Buffer.byteLength(base) - 2
    writeFileSync(big, `${base}#${'x'.repeat(padding)}\n`)
    const cluster = await loadClusterFile(big)
    expect(cluster.name).toBe('t')
    writeFileSync(big, `${base}#${'x'.repeat(padding + 1)}\n`)
    await expect(loadClusterFile(big)).rejects.toMatchObject({
      name: 'UsageError',
      message: `${big} is ${MAX_CONFIG_BYTES + 1} bytes, too large for a cluster.yml (limit ${MAX_CONFIG_BYTES})`,
      next: ['Pass the path of a cluster.yml file with -c.'],
    })
  })

  it('says a missing file does not exist and how to create one', async () => {
    const missing = join(directory, 'missing.yml')
    await expect(loadClusterFile(missing)).rejects.toMatchObject({
      name: 'UsageError',
      message: `${missing} does not exist`,
      next: ['Create one with `3fs-cli config create`, or pass the right path with -c.'],
    })
  })

  it('passes on any other read error with its reason', async () => {
    const plain = join(directory, 'plain.yml')
    writeFileSync(plain, 'name: t\n')
    const below = join(plain, 'c.yml')
    await expect(loadClusterFile(below)).rejects.toMatchObject({
      name: 'UsageError',
      message: expect.stringMatching(new RegExp(`^cannot read ${below}: ENOTDIR`)),
      next: ['Check the path and its permissions.'],
    })
  })

  it('throws the ConfigError of an invalid file unchanged', async () => {
    const bad = join(directory, 'bad.yml')
    writeFileSync(bad, 'name: a\nname: b\n')
    await expect(loadClusterFile(bad)).rejects.toBeInstanceOf(ConfigError)
  })
})

describe('cluster name and image tag', () => {
  it('accepts a name of 31 characters and refuses one of 32', () => {
    expect(parseCluster(yml({head: `name: ${'n'.repeat(31)}`}), 'cluster.yml').name).toBe('n'.repeat(31))
    const text = yml({head: `name: ${'n'.repeat(32)}`})
    expect(onlyError(text)).toEqual(
      error(
        text,
        'nnn',
        'name',
        `the cluster name "${'n'.repeat(32)}" has 32 characters; 3FS's fuse client aborts at 32 or more (it is the FUSE mount name)`,
        'Choose a name of at most 31 characters.',
      ),
    )
  })

  it('warns about an image tag it does not know, naming the 7-character commit it renders from', () => {
    const text = yml({head: 'name: t\nimages: {3fs: {repo: r, tag: nightly}}'})
    const cluster = parseCluster(text, 'cluster.yml')
    expect(cluster.warnings).toEqual([
      {
        severity: 'warning',
        file: 'cluster.yml',
        ...at(text, 'nightly'),
        path: 'images.3fs.tag',
        message: expect.stringMatching(
          /^3fs-cli does not know which 3FS commit the image tag "nightly" holds; its config files are rendered from 3FS [0-9a-f]{7} \(the newest it knows\)$/,
        ),
        hint: 'Check that the image was built from that 3FS commit, or use a tag 3fs-cli knows (20250410).',
      },
    ])
  })
})

describe('nodes', () => {
  it('refuses a file without nodes, at the nodes key', () => {
    const text = yml({nodes: 'nodes: []'})
    expect(problemsOf(text)[0]).toEqual(
      error(text, 'nodes: []', 'nodes', 'no nodes are defined', 'Add at least one entry under nodes: or nodeGroups:.'),
    )
  })

  it('points at the start of the content when the nodes key is missing', () => {
    const text = `# a comment\n\n${yml({nodes: ''})}`
    expect(problemsOf(text)[0]).toEqual({
      severity: 'error',
      file: 'cluster.yml',
      line: 3,
      column: 1,
      path: 'nodes',
      message: 'no nodes are defined',
      hint: 'Add at least one entry under nodes: or nodeGroups:.',
    })
  })

  it('refuses a second node of the same name, naming the first', () => {
    const text = yml({
      nodes: 'nodes:\n  - {name: a, host: 10.0.0.1}\n  - {name: b, host: 10.0.0.2}\n  - {name: a, host: 10.0.0.3}',
    })
    expect(onlyError(text)).toEqual(
      error(
        text,
        'a, host: 10.0.0.3',
        'nodes[2].name',
        'node name "a" is already used by nodes[0]',
        'Give every node a unique name.',
      ),
    )
  })

  it('refuses a second node on the same host', () => {
    const text = yml({nodes: 'nodes:\n  - {name: a, host: 10.0.0.1}\n  - {name: b, host: 10.0.0.1}'})
    expect(onlyError(text)).toEqual(
      error(
        text,
        '10.0.0.1',
        'nodes[1].host',
        'host 10.0.0.1 is already node "a"',
        'Each machine may appear once; list it once and add it to several services instead.',
        2,
      ),
    )
  })

  it('marks what cluster.yml states for each node, and leaves an absent username empty', () => {
    const text = yml({
      nodes: 'nodes:\n  - {name: a, host: 10.0.0.1}\n  - {name: b, host: 10.0.0.2, port: 2200, username: u}',
      groups: 'nodeGroups:\n  - {name: g, username: root, ipBegin: 10.0.1.1, ipEnd: 10.0.1.1, port: 22}',
    })
    const resolution = resolve(text)
    expect(resolution.findings).toEqual([])
    expect(resolution.nodes[0]).toEqual({
      name: 'a',
      host: '10.0.0.1',
      alias: '10.0.0.1',
      given: {port: false, username: false},
      port: 22,
      username: '',
      password: undefined,
      sudoPassword: undefined,
      identityFile: undefined,
      source: ['nodes', 0],
    })
    expect(resolution.nodes[2]).toEqual({
      name: 'g-node(10.0.1.1)',
      host: '10.0.1.1',
      alias: '10.0.1.1',
      given: {port: false, username: true},
      port: 22,
      username: 'root',
      password: undefined,
      sudoPassword: undefined,
      identityFile: undefined,
      group: 'g',
      source: ['nodeGroups', 0],
    })
    const cluster = parseCluster(text, 'cluster.yml')
    expect(cluster.nodes.map((node) => node.given)).toEqual([
      {port: false, username: false},
      {port: true, username: true},
      {port: true, username: true},
    ])
  })

  it('refuses an identity file that does not exist, at the node that names it', () => {
    const text = yml({
      nodes: 'nodes:\n  - {name: a, host: 10.0.0.1, identityFile: /nonexistent/key-a}',
      groups:
        'nodeGroups:\n  - {name: g, username: root, ipBegin: 10.0.1.1, ipEnd: 10.0.1.1, identityFile: /nonexistent/key-g}',
    })
    expect(problemsOf(text)).toEqual([
      error(
        text,
        '/nonexistent/key-a',
        'nodes[0].identityFile',
        'identity file /nonexistent/key-a does not exist on this machine',
        'Point identityFile at a private key file.',
      ),
      error(
        text,
        '/nonexistent/key-g',
        'nodeGroups[0].identityFile',
        'identity file /nonexistent/key-g does not exist on this machine',
        'Point identityFile at a private key file.',
      ),
    ])
  })
})

describe('node groups', () => {
  it('expands a range of one address (ipEnd equal to ipBegin)', () => {
    const cluster = parseCluster(groupCluster('10.0.1.7', '10.0.1.7'), 'cluster.yml')
    expect(cluster.nodes.map((node) => node.name)).toEqual(['g-node(10.0.1.7)'])
    expect(cluster.services.storage).toEqual(['g-node(10.0.1.7)'])
  })

  it('refuses ipEnd before ipBegin', () => {
    const text = groupCluster('10.0.1.7', '10.0.1.6')
    expect(problemsOf(text)[0]).toEqual(
      error(
        text,
        '10.0.1.6',
        'nodeGroups[0].ipEnd',
        'ipEnd 10.0.1.6 comes before ipBegin 10.0.1.7',
        'Swap the two addresses.',
      ),
    )
  })

  it(`accepts a range of exactly ${MAX_GROUP_SIZE} addresses and refuses one more`, () => {
    const resolution = resolve(groupCluster('10.1.0.0', '10.1.255.255', 'replicationFactor: 1, targetNumPerDisk: 1'))
    expect(resolution.findings).toEqual([])
    expect(resolution.nodes).toHaveLength(MAX_GROUP_SIZE)
    const text = groupCluster('10.1.0.0', '10.2.0.0')
    expect(problemsOf(text)[0]).toEqual(
      error(
        text,
        '10.2.0.0',
        'nodeGroups[0].ipEnd',
        `the range holds ${MAX_GROUP_SIZE + 1} addresses, more than ${MAX_GROUP_SIZE}`,
        'Check ipBegin and ipEnd.',
      ),
    )
  })

  it('refuses a second group of the same name', () => {
    const text = yml({
      groups:
        'nodeGroups:\n  - {name: g, username: root, ipBegin: 10.0.1.1, ipEnd: 10.0.1.2}\n  - {name: g, username: root, ipBegin: 10.0.2.1, ipEnd: 10.0.2.2}',
    })
    expect(onlyError(text)).toEqual(
      error(
        text,
        'g, username: root, ipBegin: 10.0.2.1',
        'nodeGroups[1].name',
        'node group name "g" is used twice',
        'Give every node group a unique name.',
      ),
    )
  })

  it('accepts disjoint groups and refuses a range that touches another one at its last address', () => {
    const disjoint = yml({
      groups:
        'nodeGroups:\n  - {name: g, username: root, ipBegin: 10.0.1.5, ipEnd: 10.0.1.9}\n  - {name: h, username: root, ipBegin: 10.0.1.1, ipEnd: 10.0.1.4}',
    })
    expect(parseCluster(disjoint, 'cluster.yml').nodes).toHaveLength(11)
    const text = disjoint.replace('ipEnd: 10.0.1.4', 'ipEnd: 10.0.1.5')
    expect(onlyError(text)).toEqual(
      error(
        text,
        '10.0.1.1',
        'nodeGroups[1].ipBegin',
        'range 10.0.1.1-10.0.1.5 overlaps node group "g"',
        'Node group ranges must not overlap.',
      ),
    )
  })

  it('refuses a range holding an address already listed as a node', () => {
    const text = yml({groups: 'nodeGroups:\n  - {name: g, username: root, ipBegin: 10.0.0.2, ipEnd: 10.0.0.3}'})
    expect(onlyError(text)).toEqual(
      error(
        text,
        '10.0.0.2, ipEnd',
        'nodeGroups[0].ipBegin',
        'address 10.0.0.2 of this range is already node "b"',
        'Remove the node or shrink the range.',
      ),
    )
  })
})

describe('services', () => {
  it('refuses a missing required service at the services key', () => {
    const text = yml({services: {monitor: null}})
    expect(onlyError(text)).toEqual(
      error(
        text,
        'services:',
        'services',
        'service "monitor" is missing',
        'Add services.monitor with the nodes that run it.',
      ),
    )
  })

  it('refuses a required service without nodes at its key', () => {
    const text = yml({services: {meta: '{}'}})
    expect(onlyError(text)).toEqual(
      error(
        text,
        'meta:',
        'services.meta',
        'service "meta" has no nodes',
        'List the nodes (or nodeGroups) that run it.',
      ),
    )
  })

  it('accepts the optional client service without nodes', () => {
    expect(parseCluster(yml({services: {client: '{}'}}), 'cluster.yml').services.client).toEqual([])
  })

  it('refuses storage without nodes without also counting its replication factor', () => {
    const text = yml({services: {storage: '{diskType: dir, replicationFactor: 2}'}})
    expect(onlyError(text).message).toBe('service "storage" has no nodes')
  })

  it('refuses a file without storage with that one problem', () => {
    const text = yml({services: {storage: null}})
    expect(onlyError(text).message).toBe('service "storage" is missing')
  })

  it('suggests a near node name, or says where to define a far one', () => {
    const text = yml({services: {fdb: '{nodes: [A]}', clickhouse: '{nodes: [qqqqqq]}'}})
    expect(problemsOf(text)).toEqual([
      error(text, 'A]', 'services.fdb.nodes[0]', 'node "A" is not defined under nodes:', 'Did you mean "a"?'),
      error(
        text,
        'qqqqqq',
        'services.clickhouse.nodes[0]',
        'node "qqqqqq" is not defined under nodes:',
        'Define it under nodes: or fix the name.',
      ),
    ])
  })

  it('refuses a node listed twice in one service', () => {
    const text = yml({services: {meta: '{nodes: [a, b, b]}'}})
    expect(onlyError(text)).toEqual(
      error(text, 'b]}', 'services.meta.nodes[2]', 'node "b" is listed twice', 'Remove the duplicate.'),
    )
  })

  it('suggests a near group name, or says where to define a far one', () => {
    const text = yml({
      groups: 'nodeGroups:\n  - {name: rack, username: root, ipBegin: 10.0.1.1, ipEnd: 10.0.1.1}',
      services: {client: '{nodeGroups: [Rack, zzzzzzzz]}'},
    })
    expect(problemsOf(text)).toEqual([
      error(
        text,
        'Rack',
        'services.client.nodeGroups[0]',
        'node group "Rack" is not defined under nodeGroups:',
        'Did you mean "rack"?',
      ),
      error(
        text,
        'zzzzzzzz',
        'services.client.nodeGroups[1]',
        'node group "zzzzzzzz" is not defined under nodeGroups:',
        'Define it under nodeGroups: or fix the name.',
      ),
    ])
  })

  it('refuses a group node that the service already has', () => {
    const text = yml({
      groups: 'nodeGroups:\n  - {name: g, username: root, ipBegin: 10.0.1.1, ipEnd: 10.0.1.1}',
      services: {client: '{nodes: [a], nodeGroups: [g, g]}'},
    })
    expect(onlyError(text)).toEqual(
      error(
        text,
        'g]}',
        'services.client.nodeGroups[1]',
        'node "g-node(10.0.1.1)" of group "g" is already in this service',
        'List each node once.',
      ),
    )
  })

  it('follows aliases when locating a problem inside an aliased service', () => {
    const text = yml({services: {mgmtd: '{nodes: &l [a, zzzzzz]}', meta: '{nodes: *l}'}})
    expect(problemsOf(text)).toEqual([
      error(
        text,
        'zzzzzz',
        'services.mgmtd.nodes[1]',
        'node "zzzzzz" is not defined under nodes:',
        'Define it under nodes: or fix the name.',
      ),
      error(
        text,
        '*l',
        'services.meta.nodes[1]',
        'node "zzzzzz" is not defined under nodes:',
        'Define it under nodes: or fix the name.',
      ),
    ])
    const whole = yml({services: {mgmtd: '&m {nodes: [a, zzzzzz]}', meta: '*m'}})
    expect(problemsOf(whole).map((problem) => [problem.path, problem.line, problem.column])).toEqual([
      ['services.mgmtd.nodes[1]', at(whole, 'zzzzzz').line, at(whole, 'zzzzzz').column],
      ['services.meta.nodes[1]', at(whole, '*m').line, at(whole, '*m').column],
    ])
  })
})

describe('ports', () => {
  it('reports each clashing key once, at the key of the later service', () => {
    const text = yml({
      services: {
        mgmtd: '{nodes: [a, b]}',
        meta: '{nodes: [a, b], rdmaListenPort: 8000, tcpListenPort: 9000}',
      },
    })
    expect(problemsOf(text)).toEqual([
      error(
        text,
        '8000',
        'services.meta.rdmaListenPort',
        'port 8000 is also services.mgmtd.rdmaListenPort on node "a"',
        'Set a different rdmaListenPort (m3fs uses 8000/9000 for mgmtd, 8001/9001 for meta, 8002/9002 for storage).',
      ),
      error(
        text,
        '9000',
        'services.meta.tcpListenPort',
        'port 9000 is also services.mgmtd.tcpListenPort on node "a"',
        'Set a different tcpListenPort (m3fs uses 8000/9000 for mgmtd, 8001/9001 for meta, 8002/9002 for storage).',
      ),
    ])
  })

  it('accepts the same port for services on different nodes', () => {
    const text = yml({services: {meta: '{nodes: [b], rdmaListenPort: 8000}'}})
    expect(parseCluster(text, 'cluster.yml').services.meta).toEqual(['b'])
  })
})

describe('storage layout', () => {
  it('refuses a replication factor above the storage node count, with "is" for one node', () => {
    const text = yml({services: {storage: storage('a', 'replicationFactor: 2')}})
    expect(onlyError(text)).toEqual(
      error(
        text,
        '2}',
        'services.storage.replicationFactor',
        'replicationFactor 2 needs at least 2 storage nodes, but 1 is listed',
        'Add storage nodes or set replicationFactor: 1.',
      ),
    )
  })

  it('says "are" for several storage nodes', () => {
    const text = yml({services: {storage: storage('a, b', 'replicationFactor: 3')}})
    expect(onlyError(text)).toEqual(
      error(
        text,
        '3}',
        'services.storage.replicationFactor',
        'replicationFactor 3 needs at least 3 storage nodes, but 2 are listed',
        'Add storage nodes or set replicationFactor: 2.',
      ),
    )
  })

  it('accepts a replication factor equal to the storage node count', () => {
    const cluster = parseCluster(yml({services: {storage: storage('a, b', 'replicationFactor: 2')}}), 'cluster.yml')
    expect(cluster.services.storage).toEqual(['a', 'b'])
  })

  it('refuses targets per disk index that do not divide into chains', () => {
    const text = yml({
      nodes: 'nodes:\n  - {name: a, host: 10.0.0.1}\n  - {name: b, host: 10.0.0.2}\n  - {name: c, host: 10.0.0.3}',
      services: {storage: storage('a, b, c', 'replicationFactor: 2, targetNumPerDisk: 3')},
    })
    expect(onlyError(text)).toEqual(
      error(
        text,
        '3}',
        'services.storage.targetNumPerDisk',
        '9 targets per disk index (3 nodes x 3) do not divide into chains of 2',
        'Choose targetNumPerDisk so that storage nodes x targetNumPerDisk is a multiple of replicationFactor.',
        2,
      ),
    )
  })

  it('accepts 99 targets per disk and 998 disks per node', () => {
    const text = yml({
      services: {storage: storage('a', 'replicationFactor: 1, targetNumPerDisk: 99, diskNumPerNode: 998')},
    })
    expect(parseCluster(text, 'cluster.yml').config.services.storage?.diskNumPerNode).toBe(998)
  })

  it('refuses 100 targets per disk, at targetNumPerDisk', () => {
    const text = yml({services: {storage: storage('a', 'replicationFactor: 1, targetNumPerDisk: 100')}})
    expect(onlyError(text)).toEqual(
      error(
        text,
        '100',
        'services.storage.targetNumPerDisk',
        '3FS target ids hold at most 99 targets per disk and 998 disks per node',
        'Lower the value.',
      ),
    )
  })

  it('refuses 999 disks per node, at diskNumPerNode, even with 99 targets per disk', () => {
    const text = yml({
      services: {storage: storage('a', 'replicationFactor: 1, targetNumPerDisk: 99, diskNumPerNode: 999')},
    })
    expect(onlyError(text)).toEqual(
      error(
        text,
        '999',
        'services.storage.diskNumPerNode',
        '3FS target ids hold at most 99 targets per disk and 998 disks per node',
        'Lower the value.',
      ),
    )
  })

  it('accepts 99999 chains per disk index and refuses 100000', () => {
    // 2439 nodes x 41 targets = 99999 chains of one target.
    const fits = resolve(groupCluster('10.1.0.1', '10.1.9.135', 'replicationFactor: 1, targetNumPerDisk: 41'))
    expect(fits.nodes).toHaveLength(2439)
    expect(fits.findings).toEqual([])
    // 2000 nodes x 50 targets = 100000 chains of one target.
    const text = groupCluster('10.1.0.1', '10.1.7.208', 'replicationFactor: 1, targetNumPerDisk: 50')
    const problems = problemsOf(text)
    expect(problems).toEqual([
      error(
        text,
        '50}',
        'services.storage.targetNumPerDisk',
        '100000 chains per disk index is more than the 99999 that 3FS chain ids can number',
        'Lower targetNumPerDisk or raise replicationFactor.',
      ),
    ])
  })

  it('accepts chain ids that reach exactly 2^32-1 and refuses one disk more, with the largest prefix that fits', () => {
    // 1565 nodes x 43 targets = 67295 chains per disk; (42*1000 + 949)*100000 + 67295 = 4294967295.
    const keys = 'replicationFactor: 1, targetNumPerDisk: 43, diskNumPerNode: 949, chainIDPrefix: 42'
    const fits = resolve(groupCluster('10.1.0.1', '10.1.6.29', keys))
    expect(fits.nodes).toHaveLength(1565)
    expect(fits.findings).toEqual([])
    // (42*1000 + 950)*100000 + 67295 = 4295067295; floor((floor((2^32-1 - 67295) / 100000) - 950) / 1000) = 41.
    const text = groupCluster('10.1.0.1', '10.1.6.29', keys.replace('diskNumPerNode: 949', 'diskNumPerNode: 950'))
    expect(onlyError(text)).toEqual(
      error(
        text,
        '42}',
        'services.storage.chainIDPrefix',
        `chainIDPrefix 42 gives chain ids up to 4295067295, beyond 3FS's 32-bit chain ids (${MAX_CHAIN_ID})`,
        'Use a chainIDPrefix of at most 41 (m3fs uses 9).',
      ),
    )
  })

  it('computes the largest chain id from chains per disk index, not from all targets', () => {
    const text = yml({
      services: {
        storage: storage('a, b', 'replicationFactor: 2, targetNumPerDisk: 4, diskNumPerNode: 4, chainIDPrefix: 50000'),
      },
    })
    // 2 nodes x 4 targets / 2 = 4 chains per disk: (50000*1000 + 4)*100000 + 4.
    expect(onlyError(text)).toEqual(
      error(
        text,
        '50000',
        'services.storage.chainIDPrefix',
        `chainIDPrefix 50000 gives chain ids up to 5000000400004, beyond 3FS's 32-bit chain ids (${MAX_CHAIN_ID})`,
        'Use a chainIDPrefix of at most 42 (m3fs uses 9).',
      ),
    )
  })

  it('gives the largest chain id prefix for many disks', () => {
    const text = yml({
      services: {
        storage: storage('a', 'replicationFactor: 1, targetNumPerDisk: 10, diskNumPerNode: 500, chainIDPrefix: 43'),
      },
    })
    // floor((floor((4294967295 - 10) / 100000) - 500) / 1000) = floor((42949 - 500) / 1000) = 42
    expect(onlyError(text).message).toBe(
      `chainIDPrefix 43 gives chain ids up to 4350000010, beyond 3FS's 32-bit chain ids (${MAX_CHAIN_ID})`,
    )
    const far = text.replace('diskNumPerNode: 500', 'diskNumPerNode: 990')
    expect(onlyError(far).hint).toBe('Use a chainIDPrefix of at most 41 (m3fs uses 9).')
  })

  it('accepts targetIDPrefix 90070 and refuses 90071 (target ids past 2^53)', () => {
    const fits = yml({services: {storage: storage('a', 'replicationFactor: 1, targetIDPrefix: 90070')}})
    expect(parseCluster(fits, 'cluster.yml').config.services.storage?.targetIDPrefix).toBe(90_070)
    const text = fits.replace('90070', '90071')
    expect(onlyError(text)).toEqual(
      error(
        text,
        '90071',
        'services.storage.targetIDPrefix',
        'targetIDPrefix 90071 gives target ids beyond 2^53',
        'Use a small targetIDPrefix (m3fs uses 1).',
      ),
    )
  })

  it('refuses a stripe size above the chain count and accepts one equal to it', () => {
    // 2 nodes x 2 disks x 3 targets / 2 = 6 chains.
    const layout = 'replicationFactor: 2, targetNumPerDisk: 3, diskNumPerNode: 2'
    const fits = yml({services: {mgmtd: '{nodes: [a], stripeSize: 6}', storage: storage('a, b', layout)}})
    expect(parseCluster(fits, 'cluster.yml').config.services.mgmtd?.stripeSize).toBe(6)
    const text = fits.replace('stripeSize: 6', 'stripeSize: 7')
    expect(onlyError(text)).toEqual(
      error(
        text,
        '7}',
        'services.mgmtd.stripeSize',
        'stripeSize 7 is larger than the 6 chains this layout yields (3FS then fails writes with EIO)',
        'Set stripeSize to at most 6, or raise targetNumPerDisk.',
      ),
    )
    expect(chainCount(2, 2, 3, 2)).toBe(6)
    expect(chainCount(3, 1, 1, 2)).toBe(1)
  })

  it("warns at the key about m3fs's stripSize spelling and names the stripe size used", () => {
    const text = yml({services: {mgmtd: '{nodes: [a], stripeSize: 8, stripSize: 4}'}})
    expect(parseCluster(text, 'cluster.yml').warnings).toEqual([
      {
        severity: 'warning',
        file: 'cluster.yml',
        ...at(text, 'stripSize'),
        path: 'services.mgmtd.stripSize',
        message: '"stripSize" is not read by m3fs or 3fs-cli (stripeSize 8 is used)',
        hint: 'Did you mean "stripeSize"? The key comes from m3fs\'s sample file.',
      },
    ])
  })

  it('keeps the stripSize warning when the storage layout has an error (the layout checks stop at the first)', () => {
    const text = yml({
      services: {
        mgmtd: '{nodes: [a], stripeSize: 8, stripSize: 4}',
        storage: '{nodes: [a], diskType: dir, replicationFactor: 2}',
      },
    })
    const problems = configError(text).problems
    expect(problems.map((problem) => [problem.severity, problem.path])).toEqual([
      ['warning', 'services.mgmtd.stripSize'],
      ['error', 'services.storage.replicationFactor'],
    ])
  })
})

describe('mount point and work directory', () => {
  it('refuses a system directory as mount point, showing it as given', () => {
    const text = yml({services: {client: '{nodes: [a], hostMountpoint: /usr}'}})
    expect(onlyError(text)).toEqual(
      error(
        text,
        '/usr}',
        'services.client.hostMountpoint',
        '/usr is a system directory and cannot be the 3FS mount point',
        'Use /3fs (the default).',
      ),
    )
  })

  it('refuses / as work directory and mount point', () => {
    const text = yml({
      head: 'name: t\nworkDir: /',
      services: {client: '{nodes: [a], hostMountpoint: /}'},
    })
    expect(problemsOf(text)).toEqual([
      error(
        text,
        '/\n',
        'workDir',
        '/ is a system directory and cannot be the work directory',
        'Use /opt/3fs (the default).',
      ),
      error(
        text,
        '/}',
        'services.client.hostMountpoint',
        '/ is a system directory and cannot be the 3FS mount point',
        'Use /3fs (the default).',
      ),
      error(
        text,
        '/}',
        'services.client.hostMountpoint',
        'the mount point / and the work directory / contain one another',
        'Keep the mount point outside workDir, e.g. /3fs with workDir /opt/3fs.',
      ),
    ])
  })

  it('names the resolved path of a spelling that folds into a system directory', () => {
    const text = yml({head: 'name: t\nworkDir: /var/./lib/'})
    expect(onlyError(text).message).toBe(
      '/var/./lib/ (that is /var/lib) is a system directory and cannot be the work directory',
    )
  })

  it('refuses a mount point inside the work directory and a work directory inside the mount point', () => {
    const inside = yml({
      head: 'name: t\nworkDir: /data/3fs',
      services: {client: '{nodes: [a], hostMountpoint: /data/3fs/mnt}'},
    })
    expect(onlyError(inside).message).toBe(
      'the mount point /data/3fs/mnt and the work directory /data/3fs contain one another',
    )
    const around = yml({
      head: 'name: t\nworkDir: /data/3fs/work',
      services: {client: '{nodes: [a], hostMountpoint: /data/3fs}'},
    })
    expect(onlyError(around).message).toBe(
      'the mount point /data/3fs and the work directory /data/3fs/work contain one another',
    )
  })

  it('accepts a mount point that only shares a prefix with the work directory', () => {
    const text = yml({
      head: 'name: t\nworkDir: /data/3fs',
      services: {client: '{nodes: [a], hostMountpoint: /data/3fs-mnt}'},
    })
    expect(parseCluster(text, 'cluster.yml').config.services.client?.hostMountpoint).toBe('/data/3fs-mnt')
  })
})

describe('home directory expansion', () => {
  it('expands ~ and ~/ in ssh file paths, and nothing else', () => {
    vi.stubEnv('HOME', '/home/tester')
    try {
      expect(expandHome('~')).toBe('/home/tester')
      expect(expandHome('~/.ssh/id')).toBe('/home/tester/.ssh/id')
      expect(expandHome('/srv/~/')).toBe('/srv/~/')
      expect(expandHome('~user/x')).toBe('~user/x')
      const text = yml().replace(
        'ssh: {configFile: none}',
        "ssh: {configFile: none, knownHostsFile: '~', identityFile: ~/.ssh/k}",
      )
      const cluster = parseCluster(text, 'cluster.yml')
      expect(cluster.ssh.knownHostsFile).toBe('/home/tester')
      expect(cluster.ssh.identityFile).toBe('/home/tester/.ssh/k')
    } finally {
      vi.unstubAllEnvs()
    }
  })
})

describe('ssh settings stated in cluster.yml', () => {
  it('marks each of hostKeyPolicy, connectTimeout and keepaliveInterval as given only when written', () => {
    const none = parseCluster(yml(), 'cluster.yml')
    expect(none.ssh.given).toEqual({
      hostKeyPolicy: undefined,
      connectTimeoutMs: undefined,
      keepaliveIntervalMs: undefined,
    })
    const text = yml().replace('ssh: {configFile: none}', 'ssh: {configFile: none, keepaliveInterval: 5s}')
    const cluster = parseCluster(text, 'cluster.yml')
    expect(cluster.ssh.given).toEqual({
      hostKeyPolicy: undefined,
      connectTimeoutMs: undefined,
      keepaliveIntervalMs: 'cluster.yml',
    })
    expect(cluster.ssh.keepaliveIntervalMs).toBe(5000)
  })
})
