/**
 * One interface for a node, local or remote: run a command, upload a file or tree, read a file.
 * BaseHost implements everything on top of one primitive, `spawn` (run shell code, feed stdin,
 * collect output), so local and SSH nodes behave the same way, sudo and uploads included.
 */
import {performance} from 'node:perf_hooks'
import type {Readable} from 'node:stream'

import {log, registerSecret} from '../log.js'
import {CommandFailedError, RemoteError} from './errors.js'
import {toShell, withEnv, shellQuote, type Command} from './shell.js'
import {uploadPath} from './upload.js'

export interface RunOptions {
  env?: Record<string, string>
  cwd?: string
  /** Data for the command's stdin; stdin is closed after it (or at once when absent). */
  stdin?: string | Buffer | Readable
  /** Default: the node's command timeout. */
  timeoutMs?: number
  signal?: AbortSignal
  /** Run as root: through sudo for non-root users (password fed on stdin, never on a command line). */
  sudo?: boolean
  onStdout?: (chunk: string) => void
  onStderr?: (chunk: string) => void
  /** Throw CommandFailedError when the exit code is not 0 (default: return the result). */
  check?: boolean
  /** Shown in logs and errors instead of the command text. */
  label?: string
}

export interface RunResult {
  node: string
  command: string
  /** null when the command was killed by a signal, timed out or was aborted. */
  exitCode: number | null
  stdout: string
  stderr: string
  durationMs: number
  timedOut: boolean
  aborted: boolean
}

export interface SpawnRequest {
  script: string
  /** The script runs as root through sudo: stopping it needs root too. */
  privileged?: boolean
  stdinPrefix?: string
  stdin?: string | Buffer | Readable
  timeoutMs: number
  signal?: AbortSignal
  onStdout?: (chunk: Buffer) => void
  onStderr?: (chunk: Buffer) => void
}

export interface SpawnResult {
  exitCode: number | null
  stdout: Buffer
  stderr: Buffer
  timedOut: boolean
  aborted: boolean
}

export interface UploadOptions {
  sudo?: boolean
  /** File mode, octal string such as 0644 (files only). */
  mode?: string
  signal?: AbortSignal
  timeoutMs?: number
  /** A file whose target is an existing directory goes inside it under its own name, as `cp` puts it. */
  intoDirectory?: boolean
}

export interface UploadResult {
  node: string
  remotePath: string
  sha256: string
  bytes: number
  /** True when the node already had identical content and nothing was sent. */
  skipped: boolean
  /** Identical content whose mode differed: nothing was sent, only the mode set (skipped is false: the node changed). */
  modeChanged?: boolean
}

export interface Host {
  readonly name: string
  /** user@host:port, for messages. */
  readonly address: string
  readonly isLocal: boolean
  run(command: Command, options?: RunOptions): Promise<RunResult>
  /** Raw output bytes, for binary files. */
  runRaw(command: Command, options?: RunOptions): Promise<SpawnResult & {durationMs: number}>
  upload(localPath: string, remotePath: string, options?: UploadOptions): Promise<UploadResult>
  readFile(remotePath: string, options?: {sudo?: boolean; signal?: AbortSignal}): Promise<Buffer>
  close(): Promise<void>
}

export interface HostIdentity {
  name: string
  username: string
  /** Password for sudo (the node's sudoPassword, else its SSH password). */
  sudoPassword?: string
  commandTimeoutMs: number
}

/** Grace between asking a timed-out command to stop (TERM) and killing it. */
export const KILL_GRACE_MS = 1000

/**
 * Stops everything a command started: TERM, then KILL after the grace period, to its session as well as
 * its process group. The command leads both (sshd and the local spawn make it a session leader), and the
 * session also holds groups its commands made for themselves: GNU `timeout`, which the probe scripts use,
 * moves itself and its command into a new group, out of reach of a group kill. pkill because dash's kill
 * builtin does not accept a negative pid, and /bin/sh may be dash.
 */
export function killGroupScript(pgid: number): string {
  return `pkill -TERM -s ${pgid}; pkill -TERM -g ${pgid}; sleep ${KILL_GRACE_MS / 1000}; pkill -KILL -s ${pgid}; pkill -KILL -g ${pgid}; true`
}

type SudoMode = {kind: 'root'} | {kind: 'passwordless'} | {kind: 'password'; password: string}

export abstract class BaseHost implements Host {
  abstract readonly address: string
  abstract readonly isLocal: boolean
  private sudoModePromise?: Promise<SudoMode>
  /** Process groups being stopped after a timeout; close() waits for them so none is left running. */
  private readonly pendingStops = new Set<Promise<unknown>>()

  protected constructor(protected readonly identity: HostIdentity) {
    registerSecret(identity.sudoPassword)
  }

  get name(): string {
    return this.identity.name
  }

  protected abstract spawn(request: SpawnRequest): Promise<SpawnResult>

  /** Stops a timed-out or aborted command's process group in the background (as root if it ran as root). */
  protected stopProcessGroup(pgid: number, privileged: boolean): void {
    const stopping = this.runRaw(killGroupScript(pgid), {
      sudo: privileged,
      timeoutMs: KILL_GRACE_MS + 5000,
      label: `stop process group ${pgid}`,
    }).catch(() => {})
    this.pendingStops.add(stopping)
    void stopping.finally(() => this.pendingStops.delete(stopping))
  }

  /** Waits (briefly) for background stops before a connection closes. */
  protected async settleStops(): Promise<void> {
    if (this.pendingStops.size === 0) return
    await Promise.race([
      Promise.allSettled([...this.pendingStops]),
      new Promise((resolve) => setTimeout(resolve, KILL_GRACE_MS + 5000).unref()),
    ])
  }
  protected abstract isRoot(): boolean
  abstract close(): Promise<void>

  async runRaw(command: Command, options: RunOptions = {}): Promise<SpawnResult & {durationMs: number}> {
    let script = withEnv(toShell(command), options.env)
    if (options.cwd) script = `cd ${shellQuote(options.cwd)} && ${script}`
    let stdinPrefix: string | undefined
    if (options.sudo) {
      const mode = await this.sudoMode(options.signal)
      if (mode.kind === 'passwordless') script = `sudo -n -- sh -c ${shellQuote(script)}`
      if (mode.kind === 'password') {
        // -k: always ask, so the password line is consumed even when sudo has cached credentials.
        script = `sudo -S -k -p '' -- sh -c ${shellQuote(script)}`
        stdinPrefix = `${mode.password}\n`
      }
    }
    const label = options.label ?? toShell(command)
    log.debug(`[${this.name}] $ ${options.sudo ? 'sudo ' : ''}${label}`)
    const started = performance.now()
    const result = await this.spawn({
      script,
      privileged: Boolean(options.sudo),
      stdinPrefix,
      stdin: options.stdin,
      timeoutMs: options.timeoutMs ?? this.identity.commandTimeoutMs,
      signal: options.signal,
      onStdout: options.onStdout ? (chunk) => options.onStdout!(chunk.toString('utf8')) : undefined,
      onStderr: options.onStderr ? (chunk) => options.onStderr!(chunk.toString('utf8')) : undefined,
    })
    const durationMs = performance.now() - started
    log.debug(
      `[${this.name}] exit ${result.exitCode ?? (result.timedOut ? 'timeout' : 'signal')} in ${durationMs.toFixed(0)} ms: ${label}`,
    )
    if (result.timedOut && options.check) {
      throw new RemoteError(
        this.name,
        'timeout',
        `\`${label}\` did not finish within ${Math.round(options.timeoutMs ?? this.identity.commandTimeoutMs) / 1000}s`,
        'Raise the timeout (--timeout or ssh.commandTimeout) or check the node.',
      )
    }
    if (options.check && result.exitCode !== 0)
      throw new CommandFailedError(this.name, label, result.exitCode, result.stderr.toString('utf8'))
    return {...result, durationMs}
  }

  async run(command: Command, options: RunOptions = {}): Promise<RunResult> {
    const result = await this.runRaw(command, options)
    return {
      node: this.name,
      command: options.label ?? toShell(command),
      exitCode: result.exitCode,
      stdout: result.stdout.toString('utf8'),
      stderr: result.stderr.toString('utf8'),
      durationMs: result.durationMs,
      timedOut: result.timedOut,
      aborted: result.aborted,
    }
  }

  async readFile(remotePath: string, options: {sudo?: boolean; signal?: AbortSignal} = {}): Promise<Buffer> {
    const result = await this.runRaw(['cat', '--', remotePath], {...options, check: true})
    return result.stdout
  }

  async upload(localPath: string, remotePath: string, options: UploadOptions = {}): Promise<UploadResult> {
    return uploadPath(this, localPath, remotePath, options)
  }

  /** How this node gets root: probed once per connection. */
  private sudoMode(signal?: AbortSignal): Promise<SudoMode> {
    this.sudoModePromise ??= this.probeSudo(signal)
    return this.sudoModePromise
  }

  private async probeSudo(signal?: AbortSignal): Promise<SudoMode> {
    if (this.isRoot()) return {kind: 'root'}
    const timeoutMs = Math.min(this.identity.commandTimeoutMs, 30_000)
    const noPassword = await this.spawn({script: 'sudo -n true', timeoutMs, signal})
    if (noPassword.exitCode === 0) return {kind: 'passwordless'}
    if (noPassword.exitCode === 127) {
      throw new RemoteError(
        this.name,
        'sudo',
        `sudo is not installed and ${this.identity.username} is not root`,
        'Install sudo on the node or log in as root.',
      )
    }
    const password = this.identity.sudoPassword
    if (password === undefined) {
      throw new RemoteError(
        this.name,
        'sudo',
        `sudo asks ${this.identity.username} for a password and none is configured`,
        'Set sudoPassword (or password) for this node in cluster.yml, or allow NOPASSWD sudo.',
      )
    }
    const withPassword = await this.spawn({
      script: `sudo -S -k -p '' true`,
      stdinPrefix: `${password}\n`,
      timeoutMs,
      signal,
    })
    if (withPassword.exitCode !== 0) {
      throw new RemoteError(
        this.name,
        'sudo',
        `sudo refused the configured password for ${this.identity.username}`,
        'Check sudoPassword (or password) for this node in cluster.yml.',
      )
    }
    return {kind: 'password', password}
  }
}
