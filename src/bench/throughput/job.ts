/** `bench throughput` as one call: open the target, run the workload, clean up, save the result. */
import {performance} from 'node:perf_hooks'

import type {Cluster} from '../../config/model.js'
import {throughputResult} from '../results/build.js'
import type {Recorded} from '../results/record.js'
import {inBenchSession, saveBenchResult, type SaveOptions} from '../session.js'
import type {WorkerProgress} from '../worker.js'
import {runThroughput, type ThroughputOptions, type ThroughputReport} from './service.js'

/** The one-phase display of a throughput run. */
export interface ThroughputDisplay {
  phaseStarted(phase: 'run'): void
  phaseFinished(phase: 'run', seconds: number): void
  progress(progress: WorkerProgress): void
  around<T>(work: () => Promise<T>): Promise<T>
}

export interface ThroughputJobOptions extends Omit<ThroughputOptions, 'mountPoint'> {
  cluster?: Cluster
  nodes?: string[]
  dir?: string
  /** The 3FS mount point for usrbio (default: the cluster's hostMountpoint). */
  mountPoint?: string
  cliVersion: string
  save: SaveOptions
  /** Told the `bench clean` command when the run's files could not be removed. */
  onLeftover?: (command: string) => void
}

export async function throughputJob(
  options: ThroughputJobOptions,
  displayFor: (nodes: number) => ThroughputDisplay,
): Promise<{report: ThroughputReport; saved: Recorded}> {
  const {cluster, nodes, dir, cliVersion, save, onLeftover, ...workload} = options
  const mountPoint = options.mountPoint ?? cluster?.config.services.client?.hostMountpoint
  const run = await inBenchSession(
    {cluster, nodes, dir, purpose: 'throughput', keep: options.keep, cliVersion, signal: options.signal, onLeftover},
    (target) => {
      const display = displayFor(target.nodes.length)
      return display.around(async () => {
        display.phaseStarted('run')
        const started = performance.now()
        const report = await runThroughput(target, {...workload, mountPoint}, display.progress)
        display.phaseFinished('run', (performance.now() - started) / 1000)
        return report
      })
    },
  )
  const saved = await saveBenchResult(
    throughputResult(run.value, {
      argv: save.argv,
      environment: run.environment,
      parameters: {engineChoice: options.engine},
    }),
    save,
  )
  return {report: run.value, saved}
}
