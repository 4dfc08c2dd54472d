/**
 * `status --watch`: one round every N seconds over the same connections until the signal fires. A
 * terminal is redrawn in place; a log file gets one block per round; --json prints one object per line
 * with the sync progress since the round before.
 */
import {syncProgress} from '../../status/progress.js'
import type {StatusResult, StatusSession} from '../../status/service.js'
import {renderStatus, statusJson} from './render.js'

export interface WatchOptions {
  seconds: number
  all: boolean
  json: boolean
  signal: AbortSignal
}

/** Returns when the signal fires (the caller turns that into the interrupted exit). */
export async function watchStatus(session: StatusSession, options: WatchOptions): Promise<void> {
  const tty = Boolean(process.stdout.isTTY) && !options.json
  let previous: StatusResult | undefined
  while (!options.signal.aborted) {
    const result = await session.round(options.signal)
    if (options.signal.aborted) break
    // Per storage node: what still syncs or waits, and what came back, since the round before.
    const progress =
      previous || result.report.recovery.length > 0
        ? syncProgress(previous?.report.recovery, result.report.recovery)
        : undefined
    previous = result
    if (options.json) process.stdout.write(`${JSON.stringify(statusJson(result, progress))}\n`)
    else {
      const text = `${renderStatus(result, {all: options.all, ...(progress ? {progress} : {})})}\n${`Refreshing every ${options.seconds} s; Ctrl-C to stop. ${new Date().toLocaleTimeString()}`}\n`
      process.stdout.write(tty ? `\u001B[H\u001B[2J${text}` : `${text}\n`)
    }
    await sleep(options.seconds * 1000, options.signal)
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, {once: true})
  })
}
