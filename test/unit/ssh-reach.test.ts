/**
 * How cluster.yml and the OpenSSH client config combine into the settings a node is reached with
 * (src/config/ssh-apply.ts, src/config/reach.ts): cluster.yml wins, then the SSH config, then defaults.
 */
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir, userInfo} from 'node:os'
import {join} from 'node:path'

import {afterEach, describe, expect, it, vi} from 'vitest'

import {parseCluster} from '../../src/config/loader.js'
import {nodeReach, reachReport} from '../../src/config/reach.js'
import {UsageError} from '../../src/errors.js'

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'ssh-reach-'))
}

/** A cluster.yml in `where` whose node "a" has `node` settings, and an ssh: block of `ssh` lines. */
function load(where: string, node: string, ssh: string[] = []) {
  const text = [
    'name: t',
    'nodes:',
    `  - {name: a, ${node}}`,
    'services:',
    ...['fdb', 'clickhouse', 'monitor', 'mgmtd', 'meta'].map((service) => `  ${service}: {nodes: [a]}`),
    '  storage: {nodes: [a], diskType: dir, replicationFactor: 1}',
    ...(ssh.length ? ['ssh:', ...ssh.map((line) => `  ${line}`)] : []),
    '',
  ].join('\n')
  const file = join(where, 'cluster.yml')
  writeFileSync(file, text)
  return parseCluster(text, file)
}

const CONFIG = [
  'Host web-a',
  '  HostName 10.0.0.21',
  '  User ops',
  '  Port 2201',
  '  IdentityFile ~/keys/a',
  '  ProxyJump jump@gw:2222,gw2',
  '  StrictHostKeyChecking no',
  '  ServerAliveInterval 0',
  'Host gw2',
  '  HostName 10.0.0.2',
  '  IdentitiesOnly yes',
  'Host *',
  '  ConnectTimeout 3',
  '  UserKnownHostsFile ~/kh1 ~/kh2',
  '',
].join('\n')

afterEach(() => {
  vi.unstubAllEnvs()
})

describe('SSH config applied to nodes', () => {
  it('takes address, login, keys, jumps and host-key settings from the SSH config named by ssh.configFile', () => {
    const where = dir()
    writeFileSync(join(where, 'my_ssh_config'), CONFIG)
    // A relative configFile is next to cluster.yml.
    const cluster = load(where, 'host: web-a', ['configFile: my_ssh_config'])
    const node = cluster.nodes[0]!
    expect(node).toMatchObject({alias: 'web-a', host: '10.0.0.21', port: 2201, username: 'ops'})
    const reach = nodeReach(node, cluster.ssh)
    const file = join(where, 'my_ssh_config')
    expect(reach).toMatchObject({
      host: '10.0.0.21',
      port: 2201,
      username: 'ops',
      identityFiles: [join(process.env.HOME ?? '', 'keys/a')],
      useAgent: true,
      hostKeyPolicy: 'accept-new',
      connectTimeoutMs: 3000,
      keepaliveIntervalMs: 0,
    })
    expect(reach.knownHostsFiles).toHaveLength(2)
    expect(reach.origins).toMatchObject({host: `${file}:2`, port: `${file}:4`, hostKeyPolicy: `${file}:7`})
    expect(reach.jumps.map((hop) => [hop.alias, hop.username, hop.host, hop.port, hop.useAgent])).toEqual([
      ['gw', 'jump', 'gw', 2222, true],
      ['gw2', userInfo().username, '10.0.0.2', 22, false],
    ])
    expect(reach.jumps[0]!.origins.username).toBe(`${file}:6`)
    expect(reachReport(node, cluster.ssh).proxyJump).toEqual({value: ['gw', 'gw2'], from: `${file}:6`})
  })

  it('cluster.yml values win over the SSH config, setting by setting', () => {
    const where = dir()
    writeFileSync(join(where, 'ssh_config'), CONFIG)
    const key = join(where, 'node_key')
    writeFileSync(key, 'a key')
    const cluster = load(where, `host: web-a, port: 22, username: root, identityFile: ${key}`, [
      'configFile: ssh_config',
      'hostKeyPolicy: strict',
      'connectTimeout: 20s',
      'knownHostsFile: /k/known_hosts',
    ])
    const reach = nodeReach(cluster.nodes[0]!, cluster.ssh)
    expect(reach).toMatchObject({
      host: '10.0.0.21',
      port: 22,
      username: 'root',
      identityFiles: [key],
      hostKeyPolicy: 'strict',
      connectTimeoutMs: 20_000,
      knownHostsFiles: ['/k/known_hosts'],
    })
    for (const key of ['port', 'username', 'identityFiles', 'hostKeyPolicy', 'connectTimeoutMs', 'knownHostsFiles'])
      expect(reach.origins[key as 'port']).toBe('cluster.yml')
  })

  it('reads ~/.ssh/config by default, and none with configFile: none', () => {
    const home = dir()
    mkdirSync(join(home, '.ssh'))
    writeFileSync(join(home, '.ssh', 'config'), CONFIG)
    vi.stubEnv('HOME', home)
    const where = dir()
    const found = load(where, 'host: web-a')
    expect(found.ssh.configFile).toBe(join(home, '.ssh', 'config'))
    expect(found.nodes[0]).toMatchObject({host: '10.0.0.21', username: 'ops'})
    const none = load(where, 'host: web-a', ['configFile: none'])
    expect(none.ssh.configFile).toBeUndefined()
    expect(none.nodes[0]).toMatchObject({host: 'web-a', port: 22, username: userInfo().username})
    expect(nodeReach(none.nodes[0]!, none.ssh).origins).toMatchObject({host: 'cluster.yml', username: 'default'})
  })

  it('a bad SSH config line is an error naming the node and file:line', () => {
    const where = dir()
    writeFileSync(join(where, 'ssh_config'), 'Host web-a\n  Port twenty\n')
    const run = () => load(where, 'host: web-a', ['configFile: ssh_config'])
    expect(run).toThrow(UsageError)
    expect(run).toThrow(`node a: ${join(where, 'ssh_config')}:2: Port must be a whole number`)
  })

  it('a configFile that does not exist is an error, a missing ~/.ssh/config is not', () => {
    const where = dir()
    expect(() => load(where, 'host: web-a', ['configFile: nowhere'])).toThrow(/Cannot read SSH config .*nowhere/)
    vi.stubEnv('HOME', dir())
    expect(load(where, 'host: web-a').ssh.configFile).toBeUndefined()
  })
})
