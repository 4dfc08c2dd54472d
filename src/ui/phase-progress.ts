/**
 * listr2 rendering of a multi-phase run (graysort, throughput): one line per phase with a spinner,
 * the phase's time when done, and the slowest node's progress while it runs. Silent in --json mode.
 */
import {Listr} from 'listr2'

import {formatBytes} from '../bench/size.js'
import type {WorkerProgress} from '../bench/worker.js'

interface Deferred {
  promise: Promise<void>
  resolve(): void
  reject(error: Error): void
  output(text: string): void
}

function deferred(): Deferred {
  let resolve!: () => void
  let reject!: (error: Error) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  promise.catch(() => {})
  return {promise, resolve, reject, output: () => {}}
}

export class PhaseProgress<P extends string> {
  private readonly phases = new Map<string, Deferred>()
  private readonly seconds = new Map<string, number>()
  private readonly nodeProgress = new Map<string, WorkerProgress>()
  private listr?: Promise<unknown>

  constructor(
    names: readonly P[],
    private readonly titles: Record<P, string>,
    enabled: boolean,
  ) {
    for (const name of names) this.phases.set(name, deferred())
    if (!enabled) return
    const list = new Listr(
      names.map((name) => ({
        title: titles[name],
        task: async (_: unknown, task: {output: string; title: string}) => {
          const phase = this.phases.get(name)!
          phase.output = (text: string) => {
            task.output = text
          }
          await phase.promise
          const seconds = this.seconds.get(name)
          if (seconds !== undefined) task.title = `${titles[name]} (${seconds.toFixed(2)} s)`
        },
      })),
      {
        renderer: process.stdout.isTTY ? 'default' : 'simple',
        exitOnError: true,
        registerSignalListeners: false,
        rendererOptions: {collapseErrors: false},
      },
    )
    this.listr = list.run().catch(() => undefined)
  }

  // Arrow properties: the service calls these detached from the object.
  phaseStarted = (phase: P): void => {
    this.nodeProgress.clear()
    this.phases.get(phase)?.output('started')
  }

  phaseFinished = (phase: P, seconds: number): void => {
    this.seconds.set(phase, seconds)
    this.phases.get(phase)?.resolve()
  }

  progress = (progress: WorkerProgress): void => {
    this.nodeProgress.set(progress.node, progress)
    const slowest = [...this.nodeProgress.values()].reduce((low, next) =>
      next.bytesDone / Math.max(1, next.bytesTotal) < low.bytesDone / Math.max(1, low.bytesTotal) ? next : low,
    )
    // Time-based runs have no total: show how much has moved instead of a share.
    const done =
      slowest.bytesTotal > 0
        ? `${((slowest.bytesDone / slowest.bytesTotal) * 100).toFixed(0)}%`
        : formatBytes(slowest.bytesDone)
    this.phases.get(progress.phase)?.output(`slowest node ${slowest.node}: ${done}`)
  }

  /** Runs `work` with the display up, and ends the display however the work ends. */
  async around<T>(work: () => Promise<T>): Promise<T> {
    try {
      const result = await work()
      await this.finish()
      return result
    } catch (error) {
      await this.finish(error)
      throw error
    }
  }

  /** Ends the display: phases that never ran are skipped, the failing one is marked. */
  async finish(error?: unknown): Promise<void> {
    for (const [name, phase] of this.phases) {
      if (this.seconds.has(name)) continue
      if (error) phase.reject(error instanceof Error ? error : new Error(String(error)))
      else phase.resolve()
    }
    await this.listr
  }
}
