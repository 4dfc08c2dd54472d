/**
 * Runs the native worker on a node and speaks its protocol: JSON lines on stdout ({type: progress},
 * one {type: result}, or {type: error}, each checked by worker-protocol.ts), logs on stderr. A worker that dies or fails is reported with
 * the node and the phase.
 */
import {createHash} from 'node:crypto'
import {readFile} from 'node:fs/promises'

import {UserError} from '../errors.js'
import {log} from '../log.js'
import {workerPath} from '../native/index.js'
import type {Host} from '../remote/host.js'
import {shellQuote} from '../remote/shell.js'
import {WorkerProtocolError, type WorkerMessage, type WorkerResult, type WorkerResultKind} from './worker-protocol.js'

export interface WorkerProgress {
  node: string
  phase: string
  bytesDone: number
  bytesTotal: number
}

export class WorkerFailedError extends UserError {
  constructor(
    readonly node: string,
    readonly phase: string,
    readonly reason: string,
    readonly stderrTail: string,
  ) {
    super(`${node}: the worker failed in the ${phase} phase: ${reason}${stderrTail ? `\n${stderrTail}` : ''}`, {
      next: [
        `Check the node (3fs-cli exec --nodes ${node} -- dmesg | tail) and run again; a new run starts from a clean directory.`,
      ],
    })
    this.name = 'WorkerFailedError'
  }
}

/** Where the worker binary is on a node: the local build, or an uploaded copy named by its content hash. */
export async function ensureWorker(host: Host, signal?: AbortSignal, knownHome?: string): Promise<string> {
  const local = workerPath()
  if (host.isLocal) return local
  const hash = createHash('sha256')
    .update(await readFile(local))
    .digest('hex')
    .slice(0, 16)
  // In the login user's home: no root needed, and one copy per worker version. A caller that already asked
  // the node for $HOME (in a round trip it made anyway) passes it.
  const home = knownHome ?? ((await host.run('printf %s "$HOME"', {check: true, signal})).stdout.trim() || '/tmp')
  const remote = `${home}/.cache/3fs-cli/3fs-worker-${hash}`
  await host.upload(local, remote, {mode: '0755', signal})
  return remote
}

export interface WorkerRun<K extends WorkerResultKind> {
  host: Host
  binary: string
  phase: string
  /** Built by worker-protocol.ts. */
  args: string[]
  /** Which subcommand's result line to expect (its schema: worker-messages.ts WORKER_RESULTS). */
  result: K
  signal?: AbortSignal
  onProgress?: (progress: WorkerProgress) => void
  /** Every other message (e.g. {type: 'phase'}), as it arrives. */
  onMessage?: (message: WorkerMessage) => void
  timeoutMs?: number
}

export async function runWorker<K extends WorkerResultKind>(
  run: WorkerRun<K>,
): Promise<{result: WorkerResult<K>; lines: WorkerMessage[]}> {
  const lines: WorkerMessage[] = []
  let pending = ''
  let result: WorkerResult<K> | undefined
  let error: string | undefined
  let protocolError: WorkerProtocolError | undefined
  // The schemas load while the worker starts; lines that come before they are there wait for them.
  let decode: ((line: string) => WorkerMessage | WorkerResult<K> | undefined) | undefined
  const early: string[] = []
  const onLine = (line: string) => {
    if (decode === undefined) {
      early.push(line)
      return
    }
    let message: WorkerMessage | WorkerResult<K> | undefined
    try {
      message = decode(line)
    } catch (caught) {
      // Thrown from a stream callback it would be lost: kept, and reported when the worker has ended.
      if (!(caught instanceof WorkerProtocolError)) throw caught
      protocolError ??= caught
      return
    }
    if (message === undefined) return
    const typed = message as WorkerMessage
    lines.push(typed)
    if (typed.type === 'progress') {
      const progress = typed as {phase: string; bytesDone: number; bytesTotal: number}
      try {
        run.onProgress?.({
          node: run.host.name,
          phase: progress.phase || run.phase,
          bytesDone: progress.bytesDone,
          bytesTotal: progress.bytesTotal,
        })
      } catch (error) {
        // A display problem must not take the run down from inside a stream callback.
        log.warn(`progress display failed: ${(error as Error).message}`)
      }
    } else if (typed.type === 'result') {
      result = message as WorkerResult<K>
    } else if (typed.type === 'error') {
      error = (typed as {message: string}).message
    } else {
      try {
        run.onMessage?.(typed)
      } catch (callbackError) {
        log.warn(`worker message handler failed: ${(callbackError as Error).message}`)
      }
    }
  }
  const schemasLoaded = import('./worker-messages.js').then((messages) => {
    const schema = messages.WORKER_RESULTS[run.result]
    decode = (line) => messages.decodeWorkerLine(line, schema) as WorkerMessage | WorkerResult<K> | undefined
    for (const line of early.splice(0)) onLine(line)
  })
  const onStdout = (chunk: string) => {
    pending += chunk
    let newline: number
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline)
      pending = pending.slice(newline + 1)
      if (line.trim() !== '') onLine(line)
    }
  }
  const command = [run.binary, ...run.args].map(shellQuote).join(' ')
  const outcome = await run.host.run(command, {
    onStdout,
    signal: run.signal,
    timeoutMs: run.timeoutMs ?? 24 * 3600 * 1000,
    label: `3fs-worker ${run.args.join(' ')}`,
  })
  await schemasLoaded
  const stderrTail = outcome.stderr.trim().split('\n').slice(-3).join('\n')
  if (outcome.aborted) throw new WorkerFailedError(run.host.name, run.phase, 'cancelled', '')
  if (outcome.timedOut) throw new WorkerFailedError(run.host.name, run.phase, 'timed out', stderrTail)
  if (protocolError) throw new WorkerFailedError(run.host.name, run.phase, protocolError.message, stderrTail)
  if (outcome.exitCode !== 0 || result === undefined) {
    const reason =
      error ?? (outcome.exitCode === null ? 'the worker was killed' : `the worker exited with ${outcome.exitCode}`)
    throw new WorkerFailedError(run.host.name, run.phase, reason, error ? '' : stderrTail)
  }
  return {result, lines}
}
