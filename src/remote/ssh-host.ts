/**
 * A node reached over SSH (ssh2). One connection per node, opened on first use and reused; commands
 * are channels multiplexed on it (bounded below sshd's MaxSessions). Host keys are verified against
 * known_hosts before any credential is sent. A node behind a bastion (ProxyJump) is reached through a
 * direct-tcpip channel (forwardOut) of the bastion's one shared connection, itself an SshHost.
 */
import type {Duplex} from 'node:stream'

import ssh2 from 'ssh2'
import type {Algorithms, ClientChannel, ConnectConfig} from 'ssh2'

import {log} from '../log.js'
import {RemoteError} from './errors.js'
import {BaseHost, type HostIdentity, type SpawnRequest, type SpawnResult} from './host.js'
import {hostKeyName, type KnownHosts} from './known-hosts.js'
import {Semaphore} from './limit.js'
import {OutputCollector, stdinStream} from './output.js'
import {authCandidates, type AuthSettings, type KeyStore} from './ssh-auth.js'

/** sshd's default MaxSessions is 10; stay below it. */
const CHANNELS_PER_CONNECTION = 8
/**
 * Node connections carried by one bastion connection at once. sshd's MaxSessions does not count
 * direct-tcpip channels, but each costs the bastion a socket and buffers; past this a node fails with a
 * clear message instead of piling more onto one connection.
 */
export const FORWARDS_PER_JUMP = 512

/** A failure at a bastion, reported for a node behind it; `hop` names the bastion that failed. */
export class JumpError extends RemoteError {
  constructor(
    node: string,
    kind: RemoteError['kind'],
    message: string,
    next: string | string[],
    readonly hop: string,
  ) {
    super(node, kind, message, next)
    this.name = 'JumpError'
  }
}

export interface SshHostOptions extends HostIdentity {
  host: string
  port: number
  auth: AuthSettings
  keys: KeyStore
  knownHosts: KnownHosts
  hostKeyPolicy: 'strict' | 'accept-new'
  connectTimeoutMs: number
  keepaliveIntervalMs: number
  /** The bastion (last ProxyJump hop) this host is reached through. */
  jump?: SshHost
}

/** Host key algorithms for a recorded key type, so the handshake asks for a key we can verify. */
function algorithmsFor(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType]
}

/** First line the node writes to stderr: the command's process group (sshd makes each session its own group). */
const PGID_MARKER = '\u001e3fs-cli-pgid='

export function withPgidReport(script: string): string {
  return `printf '${PGID_MARKER}%s\\n' $$ >&2; ${script}`
}

/**
 * Splits the process-group report off the start of stderr; everything after it is the command's own stderr.
 */
export class PgidReader {
  pgid?: number
  private head: Buffer | undefined = Buffer.alloc(0)

  constructor(private readonly forward: (chunk: Buffer) => void) {}

  push = (chunk: Buffer): void => {
    if (this.head === undefined) return this.forward(chunk)
    this.head = Buffer.concat([this.head, chunk])
    const newline = this.head.indexOf(10)
    if (newline < 0 && this.head.length < 64) return
    const first = this.head.subarray(0, newline < 0 ? 0 : newline + 1).toString('latin1')
    const match = new RegExp(`^${PGID_MARKER}(\\d+)\\n$`).exec(first)
    const rest = match ? this.head.subarray(newline + 1) : this.head
    if (match) this.pgid = Number(match[1])
    this.head = undefined
    if (rest.length > 0) this.forward(rest)
  }
}

export class SshHost extends BaseHost {
  readonly isLocal = false
  readonly address: string
  private client?: ssh2.Client
  private connecting?: Promise<ssh2.Client>
  private readonly channels = new Semaphore(CHANNELS_PER_CONNECTION)
  private forwards = 0

  constructor(private readonly options: SshHostOptions) {
    super(options)
    this.address = `${options.auth.username}@${options.host}:${options.port}`
  }

  protected isRoot(): boolean {
    return this.options.auth.username === 'root'
  }

  /** Opens the connection now (it is otherwise opened by the first command). */
  connect(signal?: AbortSignal): Promise<ssh2.Client> {
    if (this.client) return Promise.resolve(this.client)
    this.connecting ??= this.open(signal).finally(() => {
      this.connecting = undefined
    })
    return this.connecting
  }

  private async open(signal?: AbortSignal): Promise<ssh2.Client> {
    const {host, port, knownHosts} = this.options
    await knownHosts.load()
    const {candidates, problems} = await authCandidates(this.options.auth, this.options.keys)
    if (candidates.length === 0) {
      throw new RemoteError(
        this.name,
        'auth',
        `no way to log in as ${this.options.auth.username} at ${host}:${port}${problems.length ? ` (${problems.join('; ')})` : ''}`,
        'Set identityFile or password for the node in cluster.yml, or load a key into ssh-agent.',
      )
    }
    const tried: string[] = []
    let hostKeyFailure: RemoteError | undefined
    const pendingKeyRecords: Array<Promise<void>> = []

    const knownTypes = knownHosts.knownKeyTypes(host, port)
    const algorithms: Algorithms | undefined = knownTypes.length
      ? {
          serverHostKey: {
            prepend: [...new Set(knownTypes.flatMap(algorithmsFor))],
          } as unknown as Algorithms['serverHostKey'],
        }
      : undefined

    const sock = this.options.jump ? await this.throughJump(this.options.jump, signal) : undefined
    const config: ConnectConfig = {
      host,
      port,
      sock,
      username: this.options.auth.username,
      readyTimeout: this.options.connectTimeoutMs,
      keepaliveInterval: this.options.keepaliveIntervalMs,
      keepaliveCountMax: 3,
      algorithms,
      hostVerifier: (key: Buffer) => {
        const verdict = knownHosts.verify(host, port, key)
        if (verdict.status === 'known') return true
        const name = hostKeyName(host, port)
        if (verdict.status === 'changed') {
          hostKeyFailure = new RemoteError(
            this.name,
            'host-key',
            `the ${verdict.keyType} host key of ${name} CHANGED since it was recorded in ${verdict.file}:${verdict.line}; refusing to connect (possible man-in-the-middle)`,
            `If the node was reinstalled, remove the old key with \`ssh-keygen -R '${name}' -f ${verdict.file}\` and connect again.`,
          )
          return false
        }
        if (verdict.status === 'revoked') {
          hostKeyFailure = new RemoteError(
            this.name,
            'host-key',
            `the host key of ${name} is marked @revoked in ${verdict.file}:${verdict.line}`,
            "Replace the node's host key.",
          )
          return false
        }
        if (this.options.hostKeyPolicy === 'accept-new') {
          log.info(`[${this.name}] recording new host key of ${name} in ${knownHosts.file}`)
          pendingKeyRecords.push(knownHosts.add(host, port, key))
          return true
        }
        hostKeyFailure = new RemoteError(this.name, 'host-key', `host key of ${name} is not in ${knownHosts.file}`, [
          'Check the key and add it: ssh-keyscan -p PORT HOST >> KNOWN_HOSTS, or',
          'pass --accept-new-host-keys (or set ssh.hostKeyPolicy: accept-new) to record unknown keys on first connect.',
        ])
        return false
      },
      authHandler: (_methodsLeft, _partial, next) => {
        const candidate = candidates[tried.length]
        if (!candidate) return next(false as never)
        tried.push(candidate.label)
        next(candidate.method)
      },
    }

    const client = new ssh2.Client()
    return new Promise<ssh2.Client>((resolve, reject) => {
      let settled = false
      const onAbort = () =>
        fail(new RemoteError(this.name, 'aborted', 'connection attempt aborted', 'Run the command again.'))
      const fail = (error: RemoteError) => {
        if (settled) return
        settled = true
        signal?.removeEventListener('abort', onAbort)
        client.end()
        reject(error)
      }
      signal?.addEventListener('abort', onAbort, {once: true})
      client.once('ready', () => {
        if (settled) return
        settled = true
        signal?.removeEventListener('abort', onAbort)
        this.client = client
        log.debug(`[${this.name}] connected to ${this.address} (auth: ${tried.at(-1)})`)
        Promise.all(pendingKeyRecords).then(
          () => resolve(client),
          (error: unknown) => reject(error),
        )
      })
      client.on('error', (error: Error & {level?: string; code?: string}) => {
        if (!settled) {
          fail(hostKeyFailure ?? this.describeConnectError(error, tried, problems))
          return
        }
        log.debug(`[${this.name}] connection error: ${error.message}`)
      })
      client.on('close', () => {
        if (this.client === client) this.client = undefined
        if (!settled)
          fail(
            hostKeyFailure ??
              new RemoteError(
                this.name,
                'unreachable',
                `connection to ${host}:${port} closed during the handshake`,
                'Check that sshd runs on the node and accepts this client.',
              ),
          )
      })
      client.connect(config)
    })
  }

  /** A channel from the bastion to this host; a bastion failure is reported naming the bastion. */
  private async throughJump(jump: SshHost, signal?: AbortSignal): Promise<Duplex> {
    const {host, port} = this.options
    try {
      return await jump.forward(host, port, this.options.connectTimeoutMs, signal)
    } catch (error) {
      if (!(error instanceof RemoteError)) throw error
      // A failure further up the chain already names its bastion: pass it on for this node.
      if (error instanceof JumpError) throw new JumpError(this.name, error.kind, error.detail, error.next, error.hop)
      const next = [
        `Every node behind bastion ${jump.name} fails until it is reachable.`,
        ...error.next.map((step) =>
          step.replace("the node's host and port in cluster.yml", 'the bastion in the SSH config'),
        ),
      ]
      const what =
        error.kind === 'host-key'
          ? `refused: ${error.detail}`
          : error.kind === 'auth'
            ? `login failed: ${error.detail}`
            : error.kind === 'aborted'
              ? `connection aborted`
              : `unreachable: ${error.detail}`
      throw new JumpError(this.name, error.kind, `bastion ${jump.name} (${jump.address}) ${what}`, next, jump.name)
    }
  }

  /**
   * Opens a direct-tcpip channel from this (bastion) host to host:port: the stream the node's own SSH
   * connection runs over. Errors here are this bastion's (connect) or its route to the node (channel).
   */
  async forward(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<Duplex> {
    const client = await this.connect(signal)
    if (this.forwards >= FORWARDS_PER_JUMP) {
      throw new JumpError(
        this.name,
        'unreachable',
        `bastion ${this.name} already carries ${FORWARDS_PER_JUMP} node connections`,
        'Run the command on fewer nodes at once (--nodes), or spread the nodes over more bastions.',
        this.name,
      )
    }
    this.forwards++
    return new Promise<Duplex>((resolve, reject) => {
      let done = false
      const fail = (reason: string) => {
        if (done) return
        done = true
        clearTimeout(timer)
        this.forwards--
        reject(
          new JumpError(
            this.name,
            'unreachable',
            `bastion ${this.name} (${this.address}) cannot reach ${host}:${port}: ${reason}`,
            `Check that the node's sshd listens on ${host}:${port} and that the bastion may connect there (AllowTcpForwarding).`,
            this.name,
          ),
        )
      }
      const timer = setTimeout(() => fail(`no answer within ${timeoutMs / 1000}s`), timeoutMs)
      // The originator address is informational for sshd; 127.0.0.1:0 says "this client".
      client.forwardOut('127.0.0.1', 0, host, port, (error, stream) => {
        if (error) return fail(error.message)
        if (done) {
          stream.close()
          return
        }
        done = true
        clearTimeout(timer)
        stream.once('close', () => this.forwards--)
        resolve(stream)
      })
    })
  }

  private describeConnectError(
    error: Error & {level?: string; code?: string},
    tried: string[],
    problems: string[],
  ): RemoteError {
    const where = `${this.options.host}:${this.options.port}`
    if (error.level === 'client-authentication') {
      const extra = problems.length ? ` Also: ${problems.join('; ')}.` : ''
      return new RemoteError(
        this.name,
        'auth',
        `authentication as ${this.options.auth.username} refused by ${where} (tried: ${tried.join(', ') || 'nothing'})`,
        `Check username, password or identityFile for the node in cluster.yml, or load the right key into ssh-agent.${extra}`,
      )
    }
    if (error.level === 'client-timeout') {
      return new RemoteError(
        this.name,
        'unreachable',
        `no SSH handshake from ${where} within ${this.options.connectTimeoutMs / 1000}s`,
        'Check that the node is up and not overloaded, or raise ssh.connectTimeout.',
      )
    }
    const reasons: Record<string, string> = {
      ECONNREFUSED: 'connection refused (no sshd listening)',
      EHOSTUNREACH: 'host unreachable',
      ENETUNREACH: 'network unreachable',
      ETIMEDOUT: 'connection timed out',
      ENOTFOUND: 'host name not found',
      EAI_AGAIN: 'host name lookup failed',
      ECONNRESET: 'connection reset',
    }
    const reason = (error.code && reasons[error.code]) ?? error.message
    return new RemoteError(
      this.name,
      'unreachable',
      `cannot reach ${where}: ${reason}`,
      `Check the node's host and port in cluster.yml and that sshd runs there (try: ssh -p ${this.options.port} ${this.options.auth.username}@${this.options.host}).`,
    )
  }

  protected async spawn(request: SpawnRequest): Promise<SpawnResult> {
    const client = await this.connect(request.signal)
    const release = await this.channels.acquire()
    try {
      return await this.execOn(client, request)
    } finally {
      release()
    }
  }

  private execOn(client: ssh2.Client, request: SpawnRequest): Promise<SpawnResult> {
    const stdout = new OutputCollector(request.onStdout)
    const stderr = new OutputCollector(request.onStderr)
    const pgidReader = new PgidReader(stderr.push)
    return new Promise<SpawnResult>((resolve, reject) => {
      let channel: ClientChannel | undefined
      let settled = false
      let exitCode: number | null = null
      const finish = (outcome: {timedOut?: boolean; aborted?: boolean}) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        request.signal?.removeEventListener('abort', onAbort)
        client.removeListener('close', onConnectionClosed)
        resolve({
          exitCode: outcome.timedOut || outcome.aborted ? null : exitCode,
          stdout: stdout.result(),
          stderr: stderr.result(),
          timedOut: Boolean(outcome.timedOut),
          aborted: Boolean(outcome.aborted),
        })
      }
      const stop = (outcome: {timedOut?: boolean; aborted?: boolean}) => {
        // sshd does not signal sessions reliably (not at all for root logins), so the command's process
        // group is stopped from a second channel, as root when the command ran through sudo. We do not wait
        // for it: a frozen node must not hang us.
        if (pgidReader.pgid !== undefined) {
          this.stopProcessGroup(pgidReader.pgid, Boolean(request.privileged))
        }
        try {
          channel?.close()
        } catch {}
        finish(outcome)
      }
      const onAbort = () => stop({aborted: true})
      const onConnectionClosed = () => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        request.signal?.removeEventListener('abort', onAbort)
        reject(
          new RemoteError(
            this.name,
            'unreachable',
            'the SSH connection was lost while a command ran',
            'Check whether the node is still up; the command may or may not have completed.',
          ),
        )
      }
      const timer = setTimeout(() => stop({timedOut: true}), request.timeoutMs)
      if (request.signal?.aborted) return stop({aborted: true})
      request.signal?.addEventListener('abort', onAbort, {once: true})
      client.once('close', onConnectionClosed)

      client.exec(withPgidReport(request.script), (error, opened) => {
        if (error) {
          if (settled) return
          settled = true
          clearTimeout(timer)
          client.removeListener('close', onConnectionClosed)
          reject(
            new RemoteError(
              this.name,
              'unreachable',
              `cannot open a channel: ${error.message}`,
              "The node refused a new session; check sshd's MaxSessions.",
            ),
          )
          return
        }
        channel = opened
        if (settled) {
          opened.close()
          return
        }
        opened.on('data', stdout.push)
        opened.stderr.on('data', pgidReader.push)
        opened.on('exit', (code: number | null) => {
          exitCode = code
        })
        opened.on('close', () => finish({}))
        const input = stdinStream(request.stdinPrefix, request.stdin)
        if (input) {
          input.on('error', (streamError) => {
            stderr.push(Buffer.from(`3fs-cli: local input failed: ${streamError.message}\n`))
            opened.end()
          })
          input.pipe(opened)
        } else {
          opened.end()
        }
      })
    })
  }

  async close(): Promise<void> {
    await this.settleStops()
    const client = this.client
    this.client = undefined
    if (!client) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000)
      client.once('close', () => {
        clearTimeout(timer)
        resolve()
      })
      client.end()
    })
  }
}
