/**
 * TypeScript handle on test/hosts/hosts.sh: starts N real sshd nodes for a test file and writes
 * cluster.yml files that point at them. Integration tests need root; under CI (CI=true) a machine
 * that cannot run them fails the suite instead of skipping it. With {docker: true} every node runs its
 * own real dockerd, and loadImages() puts the stand-in images (docker/images.ts) into it.
 */
import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {buildImages, type ImageSet} from './docker/images.js'

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'hosts.sh')

export interface TestNode {
  name: string
  ip: string
  port: number
}

export interface ClusterOptions {
  /** Login user for every node (default root). */
  username?: string
  password?: string
  sudoPassword?: string
  identityFile?: string | null
  /** Only these nodes (default: all). */
  nodes?: string[]
  knownHostsFile?: string | null
  hostKeyPolicy?: 'strict' | 'accept-new'
  connectTimeout?: string
  commandTimeout?: string
  file?: string
}

export function hostsUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'integration tests need root (network namespaces, bind mounts, sshd)'
  if (!existsSync('/usr/sbin/sshd')) return 'openssh-server is not installed'
  if (!existsSync('/usr/bin/sudo')) return 'sudo is not installed'
  return undefined
}

/** Throws under CI when the hosts cannot run; returns true when the tests may run here. */
export function hostsAvailable(): boolean {
  const reason = hostsUnavailableReason()
  if (reason && process.env.CI) throw new Error(`CI cannot run the integration tests: ${reason}`)
  return reason === undefined
}

export function dockerUnavailableReason(): string | undefined {
  const hosts = hostsUnavailableReason()
  if (hosts) return hosts
  const onPath = (name: string) =>
    [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin'].some((dir) => dir && existsSync(join(dir, name)))
  for (const [binary, packageName] of [
    ['dockerd', 'docker.io'],
    ['docker', 'docker.io'],
    ['runc', 'runc'],
    ['busybox', 'busybox-static'],
  ] as const) {
    if (!onPath(binary)) return `${binary} is not installed (apt-get install ${packageName})`
  }
  return undefined
}

/** Like hostsAvailable, for tests that need a real dockerd on every test host. */
export function dockerAvailable(): boolean {
  const reason = dockerUnavailableReason()
  if (reason && process.env.CI) throw new Error(`CI cannot run the real-engine integration tests: ${reason}`)
  return reason === undefined
}

export class TestHosts {
  readonly nodes: TestNode[]
  readonly env: Record<string, string>
  private files = 0

  private constructor(readonly dir: string) {
    this.nodes = readFileSync(join(dir, 'nodes.tsv'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => {
        const [name, ip, port] = line.split('\t')
        return {name: name!, ip: ip!, port: Number(port)}
      })
    this.env = Object.fromEntries(
      readFileSync(join(dir, 'hosts.env'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split('=', 2) as [string, string]),
    )
  }

  /**
   * With docker: a real dockerd per node (hosts.sh --docker). With bastion: N: node "bastion" and nodes
   * hidden1..N that only the bastion reaches (a private network namespace, see hosts.sh).
   */
  static start(count: number, options: {docker?: boolean; bastion?: number} = {}): TestHosts {
    const dir = mkdtempSync(join(tmpdir(), '3fs-cli-hosts-'))
    const extra = [
      ...(options.docker ? ['--docker'] : []),
      ...(options.bastion ? ['--bastion', String(options.bastion)] : []),
    ]
    try {
      execFileSync('bash', [SCRIPT, 'up', dir, String(count), ...extra], {
        stdio: ['ignore', 'ignore', 'pipe'],
      })
    } catch (error) {
      execFileSync('bash', [SCRIPT, 'down', dir])
      throw error
    }
    return new TestHosts(dir)
  }

  /** The docker CLI against a node's own dockerd, from outside the node (its second socket). */
  docker(node: string, args: string[], input?: Buffer | string): Buffer {
    return execFileSync('docker', ['-H', `unix://${join(this.dir, 'nodes', node, 'docker.sock')}`, ...args], {
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
      maxBuffer: 2 * 1024 ** 3,
    })
  }

  /** Names of the containers on a node (all states). */
  containers(node: string): string[] {
    return this.docker(node, ['ps', '-a', '--format', '{{.Names}}'])
      .toString()
      .trim()
      .split('\n')
      .filter(Boolean)
      .sort()
  }

  /** What the OCI runtime wrapper removed from container specs on that node (one line per removal). */
  stripLog(node: string): string[] {
    const file = join(this.dir, 'nodes', node, 'oci-strip.log')
    return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []
  }

  /**
   * Builds the stand-in images (once per content, cached) and `docker load`s them into these nodes'
   * dockerd (default: every node). Returns what was loaded and how long each part took.
   */
  async loadImages(nodes: string[] = this.nodes.map((node) => node.name)): Promise<ImageSet & {loadMs: number}> {
    const set = await buildImages((args, input) => this.docker(nodes[0]!, args, input))
    const started = performance.now()
    for (const node of nodes) {
      if (!set.cached && node === nodes[0]) continue
      this.docker(node, ['load', '-q', '-i', set.tarball])
    }
    return {...set, loadMs: performance.now() - started}
  }

  /**
   * TCP connections the bastion's sshd accepted from this machine so far: its VERBOSE log has one
   * "Connection from ADDRESS port N" line per accepted connection (probes from inside are not counted).
   */
  bastionConnections(): number {
    const client = readFileSync(join(this.dir, 'bastion-client-ip'), 'utf8').trim()
    const log = readFileSync(join(this.dir, 'nodes', 'bastion', 'sshd.log'), 'utf8')
    return log.split('\n').filter((line) => line.startsWith(`Connection from ${client} port `)).length
  }

  get knownHosts(): string {
    return join(this.dir, 'known_hosts')
  }

  key(
    kind: 'user_key' | 'user_key_ecdsa' | 'user_key_rsa' | 'user_key_encrypted' | 'stranger_key' = 'user_key',
  ): string {
    return join(this.dir, kind)
  }

  node(name: string): TestNode {
    const node = this.nodes.find((candidate) => candidate.name === name)
    if (!node) throw new Error(`no test node ${name}`)
    return node
  }

  /** Writes a cluster.yml whose nodes are these hosts; every service runs on them. */
  writeCluster(options: ClusterOptions = {}): string {
    const nodes = options.nodes ? this.nodes.filter((node) => options.nodes!.includes(node.name)) : this.nodes
    const names = nodes.map((node) => node.name).join(', ')
    const identity = options.identityFile === null ? undefined : (options.identityFile ?? this.key())
    const lines = [
      'name: test-cluster',
      'nodes:',
      ...nodes.flatMap((node) => [
        `  - name: ${node.name}`,
        `    host: ${node.ip}`,
        `    port: ${node.port}`,
        `    username: ${options.username ?? 'root'}`,
        ...(options.password === undefined ? [] : [`    password: ${JSON.stringify(options.password)}`]),
        ...(options.sudoPassword === undefined ? [] : [`    sudoPassword: ${JSON.stringify(options.sudoPassword)}`]),
        ...(identity === undefined ? [] : [`    identityFile: ${identity}`]),
      ]),
      'services:',
      ...['fdb', 'clickhouse', 'monitor', 'mgmtd', 'meta'].map(
        (service) => `  ${service}: {nodes: [${nodes[0]!.name}]}`,
      ),
      `  storage: {nodes: [${names}], diskType: dir, replicationFactor: ${Math.min(2, nodes.length)}}`,
      `  client: {nodes: [${names}], hostMountpoint: /3fs}`,
      'ssh:',
      `  hostKeyPolicy: ${options.hostKeyPolicy ?? 'strict'}`,
      ...(options.knownHostsFile === null ? [] : [`  knownHostsFile: ${options.knownHostsFile ?? this.knownHosts}`]),
      `  connectTimeout: ${options.connectTimeout ?? '5s'}`,
      `  commandTimeout: ${options.commandTimeout ?? '60s'}`,
      '  useAgent: false',
      '',
    ]
    const file = options.file ?? join(this.dir, `cluster-${++this.files}.yml`)
    writeFileSync(file, lines.join('\n'))
    return file
  }

  private control(action: 'stop' | 'start' | 'freeze' | 'thaw', name: string): void {
    execFileSync('bash', [SCRIPT, action, this.dir, name], {stdio: ['ignore', 'ignore', 'pipe']})
  }

  stopNode(name: string): void {
    this.control('stop', name)
  }

  startNode(name: string): void {
    this.control('start', name)
  }

  freezeNode(name: string): void {
    this.control('freeze', name)
  }

  thawNode(name: string): void {
    this.control('thaw', name)
  }

  down(): void {
    execFileSync('bash', [SCRIPT, 'down', this.dir], {stdio: ['ignore', 'ignore', 'pipe']})
  }
}
