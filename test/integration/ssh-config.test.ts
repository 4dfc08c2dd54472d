/**
 * Nodes reached the way `ssh NODE` reaches them (issue 17), through the built CLI against real sshd test
 * hosts: aliases with User/Port/IdentityFile from an SSH config, and nodes that only a bastion reaches
 * (hosts.sh --bastion puts them on a private network namespace's loopback). Asserts on --json output and
 * exit codes, and counts the bastion's accepted connections in its own sshd log.
 */
import {mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {hostsAvailable, TestHosts} from '../hosts/harness.js'
import {runCli} from '../helpers/cli.js'

const available = hostsAvailable()
const HIDDEN = 8
const UNREACHABLE = 5

describe.skipIf(!available)('SSH config and ProxyJump on real SSH test hosts', () => {
  let hosts: TestHosts
  let sshConfig: string
  let files = 0

  beforeAll(() => {
    hosts = TestHosts.start(2, {bastion: HIDDEN})
    const port = hosts.node('node1').port
    sshConfig = join(hosts.dir, 'ssh_config')
    writeFileSync(
      sshConfig,
      [
        '# Aliases for the visible nodes: nothing about them is in cluster.yml but the alias.',
        `Host web-a`,
        `  HostName ${hosts.node('node1').ip}`,
        `Host web-b`,
        `  HostName ${hosts.node('node2').ip}`,
        'Host web-*',
        '  User tfs-nopw',
        `  Port ${port}`,
        // Several IdentityFile lines: the first key is not authorized, the second is.
        `  IdentityFile ${hosts.key('stranger_key')}`,
        `  IdentityFile ${hosts.key('user_key_ecdsa')}`,
        'Host gw',
        `  HostName ${hosts.node('bastion').ip}`,
        '# Reached without the bastion: must fail, the node is on the bastion-only network.',
        'Host direct-hidden1',
        `  HostName ${hosts.node('hidden1').ip}`,
        '  ProxyJump none',
        '# Through the bastion twice (a chain of two hops, the second reached through the first).',
        'Host chain-hidden2',
        `  HostName ${hosts.node('hidden2').ip}`,
        '  ProxyJump gw,gw-inner',
        'Host gw-inner',
        `  HostName ${hosts.node('bastion').ip}`,
        ...Array.from({length: HIDDEN}, (_, i) => [
          `Host hidden${i + 1}`,
          `  HostName ${hosts.node(`hidden${i + 1}`).ip}`,
        ]).flat(),
        'Host hidden* direct-* chain-*',
        '  ProxyJump gw',
        'Host *',
        '  User root',
        `  Port ${port}`,
        `  IdentityFile ${hosts.key()}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${hosts.knownHosts}`,
        '  StrictHostKeyChecking yes',
        '  ConnectTimeout 5',
        '',
      ].join('\n'),
    )
  })

  afterAll(() => {
    hosts?.down()
  })

  /** cluster.yml naming nodes only by alias (no port, username or key), reading the test SSH config. */
  function cluster(aliases: Record<string, string>, sshLines: string[] = [`  configFile: ${sshConfig}`]): string {
    const names = Object.keys(aliases)
    const file = join(hosts.dir, `ssh-cluster-${++files}.yml`)
    writeFileSync(
      file,
      [
        'name: ssh-config-test',
        'nodes:',
        ...names.map((name) => `  - {name: ${name}, host: ${aliases[name]}}`),
        'services:',
        ...['fdb', 'clickhouse', 'monitor', 'mgmtd', 'meta'].map((service) => `  ${service}: {nodes: [${names[0]}]}`),
        `  storage: {nodes: [${names.join(', ')}], diskType: dir, replicationFactor: ${Math.min(2, names.length)}}`,
        'ssh:',
        '  useAgent: false',
        ...sshLines,
        '',
      ].join('\n'),
    )
    return file
  }

  const hidden = Object.fromEntries(Array.from({length: HIDDEN}, (_, i) => [`h${i + 1}`, `hidden${i + 1}`]))

  it('reaches nodes named only by aliases, with User, Port and the second IdentityFile from the SSH config', async () => {
    const config = cluster({a: 'web-a', b: 'web-b'})
    const result = await runCli(['exec', '-c', config, '--json', '--', 'echo $(hostname) $(whoami)'])
    expect(result.exitCode, result.stderr).toBe(0)
    const byNode = Object.fromEntries(result.json.nodes.map((node: any) => [node.node, node]))
    expect(byNode.a).toMatchObject({ok: true, host: hosts.node('node1').ip, stdout: 'node1 tfs-nopw\n'})
    expect(byNode.b).toMatchObject({ok: true, host: hosts.node('node2').ip, stdout: 'node2 tfs-nopw\n'})
  })

  it('reads ~/.ssh/config when cluster.yml names no SSH config', async () => {
    const home = mkdtempSync(join(tmpdir(), '3fs-cli-ssh-home-'))
    mkdirSync(join(home, '.ssh'))
    writeFileSync(join(home, '.ssh', 'config'), readFileSync(sshConfig))
    const config = cluster({a: 'web-a'}, [])
    const result = await runCli(['exec', '-c', config, '--json', '--', 'hostname'], {env: {HOME: home}})
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json.nodes[0]).toMatchObject({ok: true, stdout: 'node1\n'})
  })

  it('cluster.yml values win over the SSH config, and config validate -v says where each came from', async () => {
    const file = join(hosts.dir, 'override.yml')
    writeFileSync(
      file,
      readFileSync(cluster({a: 'web-a'}), 'utf8').replace('host: web-a}', 'host: web-a, username: tfs-pw}'),
    )
    const result = await runCli(['exec', '-c', file, '--json', '--', 'whoami'])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json.nodes[0].stdout).toBe('tfs-pw\n')

    const validate = await runCli(['config', 'validate', '-c', file, '-v', '--json'])
    expect(validate.exitCode, validate.stderr).toBe(0)
    const reach = validate.json.reach.a
    expect(reach.username).toEqual({value: 'tfs-pw', from: 'cluster.yml'})
    expect(reach.host).toEqual({value: hosts.node('node1').ip, from: `${sshConfig}:3`})
    expect(reach.port.from).toBe(`${sshConfig}:8`)
    // IdentityFile accumulates over every matching block, in file order.
    expect(reach.identityFiles).toEqual({
      value: [hosts.key('stranger_key'), hosts.key('user_key_ecdsa'), hosts.key()],
      from: `${sshConfig}:9, ${sshConfig}:10, ${sshConfig}:44`,
    })
    expect(reach.connectTimeoutMs).toEqual({value: 5000, from: expect.stringMatching(/ssh_config:\d+$/)})
    expect(reach.keepaliveIntervalMs).toEqual({value: 15_000, from: 'default'})
  })

  it('a node on the bastion-only network is not reachable directly (ProxyJump none)', async () => {
    const result = await runCli(['exec', '-c', cluster({h1: 'direct-hidden1'}), '--json', '--', 'hostname'])
    expect(result.exitCode).toBe(UNREACHABLE)
    expect(result.json.nodes[0].error.kind).toBe('unreachable')
    expect(result.json.nodes[0].error.hop).toBeUndefined()
  })

  it('a fan-out of 8 nodes behind one bastion opens exactly one bastion connection', async () => {
    const before = hosts.bastionConnections()
    const result = await runCli(['exec', '-c', cluster(hidden), '--json', '--', 'hostname'])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json.summary).toMatchObject({total: HIDDEN, succeeded: HIDDEN})
    for (const node of result.json.nodes) expect(node.stdout).toBe(`hidden${node.node.slice(1)}\n`)
    expect(hosts.bastionConnections() - before).toBe(1)
  })

  it('goes through a chain of two jumps', async () => {
    const result = await runCli(['exec', '-c', cluster({h2: 'chain-hidden2'}), '--json', '--', 'hostname'])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json.nodes[0]).toMatchObject({ok: true, stdout: 'hidden2\n'})
  })

  it('refuses a bastion whose host key changed, naming the bastion for every node behind it', async () => {
    const knownHosts = join(hosts.dir, 'known_hosts_changed')
    const strangerKey = readFileSync(`${hosts.key('stranger_key')}.pub`, 'utf8').split(' ')[1]
    const bastion = hosts.node('bastion')
    writeFileSync(
      knownHosts,
      readFileSync(hosts.knownHosts, 'utf8').replace(
        new RegExp(`^(\\[${bastion.ip.replace(/\./g, '\\.')}\\]:${bastion.port} ssh-ed25519) \\S+$`, 'm'),
        `$1 ${strangerKey}`,
      ),
    )
    const before = hosts.bastionConnections()
    const config = cluster(hidden, [`  configFile: ${sshConfig}`, `  knownHostsFile: ${knownHosts}`])
    const result = await runCli(['exec', '-c', config, '--json', '--', 'hostname'])
    expect(result.exitCode).toBe(UNREACHABLE)
    expect(result.json.nodes).toHaveLength(HIDDEN)
    for (const node of result.json.nodes) {
      expect(node.error).toMatchObject({kind: 'host-key', hop: 'gw'})
      expect(node.error.message).toContain(`bastion gw (root@${bastion.ip}:${bastion.port}) refused`)
      expect(node.error.message).toContain('CHANGED')
    }
    // Refused once, at the shared bastion connection.
    expect(hosts.bastionConnections() - before).toBe(1)
  })

  it('names a dead bastion as such for every node behind it', async () => {
    hosts.stopNode('bastion')
    try {
      const result = await runCli(['exec', '-c', cluster(hidden), '--json', '--', 'hostname'])
      expect(result.exitCode).toBe(UNREACHABLE)
      expect(result.json.summary).toMatchObject({total: HIDDEN, succeeded: 0, unreachable: HIDDEN})
      for (const node of result.json.nodes) {
        expect(node.error).toMatchObject({kind: 'unreachable', hop: 'gw'})
        expect(node.error.message).toMatch(/^h\d: bastion gw \(.*\) unreachable: .*connection refused/)
      }
    } finally {
      hosts.startNode('bastion')
    }
  })
})
