import {Flags} from '@oclif/core'

import {buildDuckdb, type BuildMode} from '../../duckdb/build.js'
import {DEFAULT_SOURCE, defaultBuildImage, planBuild} from '../../duckdb/build-plan.js'
import {BaseCommand, withExitCodes} from '../../ui/base-command.js'
import {configFlag, interactivePoolOptions, loadClusterWithSshFlags, sshFlags} from '../../ui/config-flag.js'
import {buildProgressLine, renderBuild, renderBuildPlan} from '../../ui/duckdb/render.js'

export default class DuckdbBuild extends BaseCommand {
  static override summary =
    "Build the duckdb-3fs extension, the DuckDB CLI it belongs to and 3FS's client library, once, on a build node."
  static override description = withExitCodes(
    "On the build node (default: the first client node) it fetches duckdb-3fs (git clone with submodules at --ref, or an upload of a local checkout for air-gapped clusters), builds 3FS's client library once (build_3fs.sh) and the extension and the DuckDB CLI from the same tree against it (EXT_FLAGS=-DBUILD_3FS_LIB=OFF), optionally the Python wheel, and collects duckdb, threefs.duckdb_extension, libhf3fs_api_shared.so (and the wheel) with checksums and the DuckDB version into ~/.cache/3fs-cli/duckdb/<key>. The build log streams to a file there; a failed step is named with the log's tail. The same inputs (source commit or tree, options) reuse the stored build.",
  )

  static override examples = [
    '<%= config.bin %> duckdb build -c cluster.yml',
    '<%= config.bin %> duckdb build -c cluster.yml --source ./duckdb-3fs --python',
    '<%= config.bin %> duckdb build -c cluster.yml --mode container --build-image open3fs/3fs-build:latest --plan',
  ]

  static override flags = {
    config: configFlag,
    node: Flags.string({description: 'Build node (default: the first client node).'}),
    source: Flags.string({
      description: 'Git URL or local checkout of duckdb-3fs (with submodules).',
      default: DEFAULT_SOURCE,
    }),
    ref: Flags.string({
      description: 'Branch, tag or commit to build (git sources); the resolved commit is recorded.',
      default: 'main',
    }),
    python: Flags.boolean({description: 'Also build the DuckDB Python wheel from the same tree.'}),
    mode: Flags.string({
      description: 'Build on the host (prerequisites installed there) or in a build container.',
      options: ['host', 'container'],
      default: 'host',
    }),
    'build-image': Flags.string({
      description: "Image with 3FS's build prerequisites for --mode container (default: the cluster's 3FS image).",
    }),
    jobs: Flags.integer({description: "Parallel compile jobs (default: the node's CPU count).", min: 1}),
    plan: Flags.boolean({description: 'Print the steps and change nothing.'}),
    runtime: Flags.string({description: 'Container engine for --mode container.', default: 'docker'}),
    ...sshFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(DuckdbBuild)
    const cluster = await loadClusterWithSshFlags(flags)
    const options = {
      cluster,
      node: flags.node,
      source: flags.source,
      ref: flags.ref,
      python: flags.python,
      mode: flags.mode as BuildMode,
      buildImage: defaultBuildImage(cluster, flags['build-image']),
      runtime: flags.runtime,
      jobs: flags.jobs,
    }
    if (flags.plan) {
      const plan = planBuild(options)
      this.emit(plan, () => renderBuildPlan(plan))
      return
    }
    const progress = buildProgressLine(!this.jsonMode)
    const result = await buildDuckdb({
      ...options,
      pool: interactivePoolOptions(),
      signal: this.signal,
      onProgress: progress.onProgress,
    })
    progress.clear()
    this.emit(result, () => renderBuild(result))
  }
}
