/**
 * The frame every bench run shares: open the target (this machine or cluster nodes), probe the environment
 * while the work runs, clean up however the work ends, and save the result. Commands call this through
 * the bench jobs, so that no command opens, cleans or records anything itself.
 */
import type {Cluster} from '../config/model.js'
import type {BenchResult, Environment} from './results/model.js'
import type {Recorded} from './results/record.js'
import {openTarget, type BenchTarget, type TargetOptions} from './target.js'

export interface SessionOptions extends Omit<TargetOptions, 'memoryShare'> {
  cliVersion: string
  /** Keep the run's own marked directory (--keep); otherwise it is removed, also after a failure or Ctrl-C. */
  keep?: boolean
  /** The work removes its own files as its last phase (graysort run): the session leaves the directory alone. */
  workCleansUp?: boolean
  /** Told the `bench clean` command when the run's directory could not be removed (a node lost). */
  onLeftover?: (command: string) => void
}

export interface SaveOptions {
  /** The command line, recorded in the saved result. */
  argv: string[]
  out?: string
  html?: string
}

export interface SessionOutcome<T> {
  value: T
  environment: Environment
  nodes: string[]
}

/** The 3FS image a cluster runs (repo:tag), recorded in saved results as the 3FS version. */
export function threeFsImage(cluster: Cluster | undefined): string | undefined {
  const image = cluster?.config.images['3fs']
  return image ? `${image.repo}:${image.tag}` : undefined
}

export async function inBenchSession<T>(
  options: SessionOptions,
  work: (target: BenchTarget) => Promise<T>,
): Promise<SessionOutcome<T>> {
  const target = await openTarget(options)
  let environment: Promise<Environment> | undefined
  try {
    const {collectEnvironment} = await import('./results/environment.js')
    // Probed while the bench runs: it costs the run's wall time nothing.
    environment = collectEnvironment(target, {
      cliVersion: options.cliVersion,
      threeFsVersion: threeFsImage(options.cluster),
      signal: options.signal,
    })
    const value = await work(target)
    return {value, environment: await environment, nodes: target.nodes.map((node) => node.name)}
  } finally {
    // Also after a failure or Ctrl-C: the run's own marked directory goes, nothing else.
    if (!options.keep && !options.workCleansUp) await target.removeRunDir()
    if (target.leftover) options.onLeftover?.(target.leftover)
    await environment?.catch(() => undefined)
    await target.close()
  }
}

/** Saves the JSON result (and the HTML report when asked). */
export async function saveBenchResult(result: BenchResult, save: SaveOptions): Promise<Recorded> {
  const {recordResult} = await import('./results/record.js')
  return recordResult(result, {out: save.out, html: save.html})
}
