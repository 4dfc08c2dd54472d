/** Issue 15: cluster.yml values that validated and then did harm (paths, ids, durations, names, YAML aliases). */
import {describe, expect, it} from 'vitest'

import {parseCluster} from '../../src/config/loader.js'
import {problemsOf} from '../helpers/config.js'

function config(replace: Record<string, string> = {}, extra = ''): string {
  let text = `name: t
workDir: /opt/3fs
nodes:
  - {name: a, host: 10.0.0.1, username: root}
services:
  fdb: {nodes: [a]}
  clickhouse: {nodes: [a], db: "3fs", user: default}
  monitor: {nodes: [a]}
  mgmtd: {nodes: [a]}
  meta: {nodes: [a]}
  storage: {nodes: [a], diskType: dir, replicationFactor: 1, chainIDPrefix: 9}
  client: {nodes: [a], hostMountpoint: /3fs}
ssh: {connectTimeout: 10s}
${extra}`
  for (const [from, to] of Object.entries(replace)) {
    if (!text.includes(from)) throw new Error(`fixture lacks ${from}`)
    text = text.replace(from, to)
  }
  return text
}

describe('paths are normalised before the system-directory check', () => {
  it.each([
    ['hostMountpoint: /3fs', 'hostMountpoint: /3fs/../etc', 'services.client.hostMountpoint', '/etc'],
    ['hostMountpoint: /3fs', 'hostMountpoint: //etc', 'services.client.hostMountpoint', '/etc'],
    ['hostMountpoint: /3fs', 'hostMountpoint: /usr/./lib/', 'services.client.hostMountpoint', '/usr/lib'],
    ['workDir: /opt/3fs', 'workDir: /usr/./lib', 'workDir', '/usr/lib'],
    ['workDir: /opt/3fs', 'workDir: /3fs/x/..', 'services.client.hostMountpoint', 'contain one another'],
  ])('%s -> %s is refused', (from, to, path, says) => {
    const problems = problemsOf(config({[from]: to}))
    expect(problems.map((problem) => problem.path)).toContain(path)
    expect(problems.find((problem) => problem.path === path)!.message).toContain(says)
  })
  it('a clean path still validates', () => {
    expect(parseCluster(config(), 'cluster.yml').config.services.client?.hostMountpoint).toBe('/3fs')
  })
})

describe('numbers that must fit 3FS types and Node timers', () => {
  it('refuses a chainIDPrefix whose chain ids do not fit 32 bits, naming the largest that does', () => {
    const [problem] = problemsOf(config({'chainIDPrefix: 9': 'chainIDPrefix: 99999999999'}))
    expect(problem!.path).toBe('services.storage.chainIDPrefix')
    expect(problem!.hint).toContain('at most 42')
    expect(parseCluster(config({'chainIDPrefix: 9': 'chainIDPrefix: 42'}), 'cluster.yml').name).toBe('t')
    expect(problemsOf(config({'chainIDPrefix: 9': 'chainIDPrefix: 43'}))[0]!.path).toBe(
      'services.storage.chainIDPrefix',
    )
  })
  it.each(['600h', '596h32m', 2 ** 31 * 1e6])('refuses a duration of 2^31 ms or more (%s)', (value) => {
    const [problem] = problemsOf(config({'connectTimeout: 10s': `connectTimeout: ${value}`}))
    expect(problem!.path).toBe('ssh.connectTimeout')
    expect(problem!.message).toContain('596h')
  })
  it('accepts 596h', () => {
    expect(
      parseCluster(config({'connectTimeout: 10s': 'connectTimeout: 596h'}), 'cluster.yml').ssh.connectTimeoutMs,
    ).toBe(596 * 3_600_000)
  })
})

describe('names that reach a shell, SQL or a file are plain words', () => {
  it.each([
    ['db: "3fs"', 'db: "x; DROP DATABASE system"', 'services.clickhouse.db'],
    ['user: default', 'user: "a\\nCLICKHOUSE_PASSWORD=x"', 'services.clickhouse.user'],
    ['host: 10.0.0.1', 'host: "10.0.0.1; rm -rf /"', 'nodes[0].host'],
    ['host: 10.0.0.1', 'host: "$(reboot)"', 'nodes[0].host'],
    ['username: root', 'username: "root;id"', 'nodes[0].username'],
    ['name: a,', 'name: "a\\0b",', 'nodes[0].name'],
    ['name: t', 'name: "t\\nx"', 'name'],
  ])('%s -> %s is refused', (from, to, path) => {
    expect(problemsOf(config({[from]: to})).map((problem) => problem.path)).toContain(path)
  })
  it('a ClickHouse password with a newline is refused (it would add a line to clickhouse.env)', () => {
    expect(
      problemsOf(config({'user: default}': 'user: default, password: "p\\nX=1"}'})).map((problem) => problem.path),
    ).toContain('services.clickhouse.password')
  })
  it('IPv6 and DNS hosts still validate', () => {
    expect(parseCluster(config({'host: 10.0.0.1': 'host: "fe80::1%eth0"'}), 'cluster.yml').nodes[0]!.host).toBe(
      'fe80::1%eth0',
    )
    expect(parseCluster(config({'host: 10.0.0.1': 'host: node-1.example.com'}), 'cluster.yml').nodes[0]!.host).toBe(
      'node-1.example.com',
    )
  })
})

describe('YAML aliases', () => {
  it('an undefined alias is a problem at its line, not a crash', () => {
    const [problem] = problemsOf(config({'name: t': 'name: *nope'}))
    expect(problem).toMatchObject({line: 1, path: '(yaml)'})
    expect(problem!.message).toContain('*nope')
  })
  it('an alias bomb is a problem, not a crash or a hang', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
    let previous = 'a'
    for (const name of 'bcdefghij') {
      bomb.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(', ')}]`)
      previous = name
    }
    const started = performance.now()
    const [problem] = problemsOf(`${bomb.join('\n')}\n${config()}`)
    expect(problem!.path).toBe('(yaml)')
    expect(problem!.message).toContain('aliases')
    expect(performance.now() - started).toBeLessThan(5000)
  })
})
