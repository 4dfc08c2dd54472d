/**
 * Runs the native worker on a node and speaks its protocol: JSON lines on stdout ({type: progress},
 * one {type: result}, or {type: error}), logs on stderr. A worker that dies or fails is reported with
 * the node and the phase.
 */
import {createHash} from 'node:crypto'
import {readFile} from 'node:fs/promises'

import {UserError} from '../errors.js'
import {log} from '../log.js'
import {workerPath} from '../native/index.js'
import type {Host} from '../remote/host.js'
import {shellQuote} from '../remote/shell.js'

export interface WorkerProgress {
  node: string
  phase: string
  bytesDone: number
  bytesTotal: number
}

export class WorkerFailedError extends UserError {
  constructor(readonly node: string, readonly phase: string, readonly reason: string, readonly stderrTail: string) {
    super(`${node}: the worker failed in the ${phase} phase: ${reason}${stderrTail ? `\n${stderrTail}` : ''}`, {
      next: [`Check the node (3fs-cli exec --nodes ${node} -- dmesg | tail) and run again; a new run starts from a clean directory.`],
    })
    this.name = 'WorkerFailedError'
  }
}

/** Where the worker binary is on a node: the local build, or an uploaded copy named by its content hash. */
export async function ensureWorker(host: Host, signal?: AbortSignal): Promise<string> {
  const local = workerPath()
  if (host.isLocal) return local
  const hash = createHash('sha256').update(await readFile(local)).digest('hex').slice(0, 16)
  // In the login user's home: no root needed, and one copy per worker version.
  const home = (await host.run('printf %s "$HOME"', {check: true, signal})).stdout.trim() || '/tmp'
  const remote = `${home}/.cache/3fs-cli/3fs-worker-${hash}`
  await host.upload(local, remote, {mode: '0755', signal})
  return remote
}

export interface WorkerRun {
  host: Host
  binary: string
  phase: string
  args: string[]
  signal?: AbortSignal
  onProgress?: (progress: WorkerProgress) => void
  /** Every other message (e.g. {type: 'phase'}), as it arrives. */
  onMessage?: (message: Record<string, unknown>) => void
  timeoutMs?: number
}

export async function runWorker<T = Record<string, unknown>>(run: WorkerRun): Promise<{result: T; lines: Array<Record<string, unknown>>}> {
  const lines: Array<Record<string, unknown>> = []
  let pending = ''
  let result: T | undefined
  let error: string | undefined
  const onStdout = (chunk: string) => {
    pending += chunk
    let newline: number
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline)
      pending = pending.slice(newline + 1)
      if (line.trim() === '') continue
      let message: Record<string, unknown>
      try {
        message = JSON.parse(line) as Record<string, unknown>
      } catch {
        continue
      }
      lines.push(message)
      if (message.type === 'progress') {
        try {
          run.onProgress?.({node: run.host.name, phase: String(message.phase ?? run.phase), bytesDone: Number(message.bytesDone), bytesTotal: Number(message.bytesTotal)})
        } catch (error) {
          // A display problem must not take the run down from inside a stream callback.
          log.warn(`progress display failed: ${(error as Error).message}`)
        }
      } else if (message.type === 'result') {
        result = message as T
      } else if (message.type === 'error') {
        error = String(message.message)
      } else {
        try {
          run.onMessage?.(message)
        } catch (callbackError) {
          log.warn(`worker message handler failed: ${(callbackError as Error).message}`)
        }
      }
    }
  }
  const command = [run.binary, ...run.args].map(shellQuote).join(' ')
  const outcome = await run.host.run(command, {onStdout, signal: run.signal, timeoutMs: run.timeoutMs ?? 24 * 3600 * 1000, label: `3fs-worker ${run.args.join(' ')}`})
  const stderrTail = outcome.stderr.trim().split('\n').slice(-3).join('\n')
  if (outcome.aborted) throw new WorkerFailedError(run.host.name, run.phase, 'cancelled', '')
  if (outcome.timedOut) throw new WorkerFailedError(run.host.name, run.phase, 'timed out', stderrTail)
  if (outcome.exitCode !== 0 || result === undefined) {
    const reason = error ?? (outcome.exitCode === null ? 'the worker was killed' : `the worker exited with ${outcome.exitCode}`)
    throw new WorkerFailedError(run.host.name, run.phase, reason, error ? '' : stderrTail)
  }
  return {result, lines}
}
