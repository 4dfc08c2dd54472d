/** The machine 3fs-cli runs on, as a Host: commands run through `sh -c` with execa. */
import {hostname, userInfo} from 'node:os'

import {execa} from 'execa'

import {RemoteError} from './errors.js'
import {BaseHost, KILL_GRACE_MS, type HostIdentity, type SpawnRequest, type SpawnResult} from './host.js'
import {OutputCollector, stdinStream} from './output.js'

const LOCAL_NAMES = new Set(['localhost', '127.0.0.1', '::1'])

/** Whether a cluster.yml host means this machine. */
export function isLocalAddress(host: string): boolean {
  return LOCAL_NAMES.has(host) || host === hostname()
}

export class LocalHost extends BaseHost {
  readonly isLocal = true
  readonly address: string

  constructor(identity: Omit<HostIdentity, 'username'> & {username?: string}) {
    const username = identity.username ?? userInfo().username
    super({...identity, username})
    this.address = `${username}@localhost`
  }

  protected isRoot(): boolean {
    return process.getuid?.() === 0
  }

  protected async spawn(request: SpawnRequest): Promise<SpawnResult> {
    const stdout = new OutputCollector(request.onStdout)
    const stderr = new OutputCollector(request.onStderr)
    const input = stdinStream(request.stdinPrefix, request.stdin)
    // detached: the command gets its own process group, so a timeout stops its children too
    // (a shell does not always exec its last command, and an orphaned child would hold the pipes open).
    const child = execa('sh', ['-c', request.script], {
      reject: false,
      buffer: false,
      detached: true,
      stdin: input ? 'pipe' : 'ignore',
      stripFinalNewline: false,
    })
    child.stdout?.on('data', stdout.push)
    child.stderr?.on('data', stderr.push)
    if (input && child.stdin) {
      // A command that exits without reading all its input closes the pipe: that is its business, not an error.
      child.stdin.on('error', () => {})
      input.on('error', (error) => {
        stderr.push(Buffer.from(`3fs-cli: local input failed: ${error.message}\n`))
        child.stdin?.end()
      })
      input.pipe(child.stdin)
    }

    let outcome: 'timedOut' | 'aborted' | undefined
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal)
      } catch {}
    }
    const stop = (why: 'timedOut' | 'aborted') => {
      if (outcome) return
      outcome = why
      if (child.pid === undefined) return
      // The group holds root processes (sudo's command): only root may stop them.
      const asRoot = Boolean(request.privileged) && !this.isRoot()
      // The whole session too (pkill -s): groups the command's children made, such as timeout's, included.
      this.stopProcessGroup(child.pid, asRoot)
      if (asRoot) return
      killGroup('SIGTERM')
      setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS).unref()
    }
    const timer = setTimeout(() => stop('timedOut'), request.timeoutMs)
    const onAbort = () => stop('aborted')
    if (request.signal?.aborted) onAbort()
    request.signal?.addEventListener('abort', onAbort, {once: true})
    try {
      const result = await child
      if (result.exitCode === undefined && result.signal === undefined && !outcome) {
        throw new RemoteError(
          this.name,
          'command',
          `cannot start \`sh -c\` on this machine: ${result.shortMessage}`,
          'Check that /bin/sh exists and the working directory is accessible.',
        )
      }
      return {
        exitCode: outcome ? null : (result.exitCode ?? null),
        stdout: stdout.result(),
        stderr: stderr.result(),
        timedOut: outcome === 'timedOut',
        aborted: outcome === 'aborted',
      }
    } finally {
      clearTimeout(timer)
      request.signal?.removeEventListener('abort', onAbort)
    }
  }

  async close(): Promise<void> {
    await this.settleStops()
  }
}
