/** What `duckdb build` would do, for --plan, and the defaults a build request fills in from cluster.yml. */
import type {Cluster} from '../config/model.js'
import {imageRef} from '../deploy/context.js'
import {
  buildNode,
  buildPaths,
  buildSteps,
  isGitSource,
  prerequisites,
  type BuildOptions,
  type BuildStep,
} from './build.js'

export const DEFAULT_SOURCE = 'https://github.com/open3fs/duckdb-3fs.git'

/** The image with 3FS's build prerequisites: the given one, else the cluster's own 3FS image. */
export function defaultBuildImage(cluster: Cluster, given?: string): string {
  return given ?? imageRef(cluster.config.images.registry, cluster.config.images['3fs'])
}

export interface BuildPlan {
  node: string
  mode: BuildOptions['mode']
  source: string
  ref: string
  steps: BuildStep[]
}

/** The steps in order, from the prerequisites check to collecting the artifacts; runs nothing. */
export function planBuild(options: BuildOptions): BuildPlan {
  const node = buildNode(options.cluster, options.node)
  const paths = buildPaths(options.cluster)
  const fetch = isGitSource(options.source)
    ? `clone ${options.source} at ${options.ref} with submodules into ${paths.src}`
    : `upload ${options.source} to ${paths.src}`
  const steps = [
    {name: 'check', description: `prerequisites present: ${prerequisites(options).join(', ')}`, command: ''},
    {name: 'fetch', description: fetch, command: ''},
    ...buildSteps(options, paths),
  ]
  return {node: node.name, mode: options.mode, source: options.source, ref: options.ref, steps}
}
