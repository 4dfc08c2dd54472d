import {Flags} from '@oclif/core'

import {cleanRuns, RUN_PURPOSES} from '../../bench/clean.js'
import {BaseCommand, withExitCodes} from '../../ui/base-command.js'
import {loadOptionalCluster} from '../../ui/bench-flags.js'
import {renderClean} from '../../ui/bench/clean.js'

export default class BenchClean extends BaseCommand {
  static override summary = 'List the run directories benchmarks left behind, and remove them with --remove.'
  static override description = withExitCodes(
    `Benchmarks write into a new run directory of their own (run-<time>-<id> on a cluster, 3fs-cli-<purpose>-<id> locally), marked with a ${'.3fs-cli-run'} file naming it, and remove it when they end, also after a failure or Ctrl-C. When that was impossible (a node lost, the process killed) the directory stays: this command lists them, and removes them only with --remove. Only marked run directories are ever listed or removed, never anything else in the directories searched. Searched: --dir (each directory a benchmark's --dir named), else ${RUN_PURPOSES.map((purpose) => `<mount>/${purpose}`).join(' and ')} on a cluster (-c), else the temp directory. Do not remove while a benchmark is running there.`,
  )

  static override examples = [
    '<%= config.bin %> bench clean -c cluster.yml',
    '<%= config.bin %> bench clean -c cluster.yml --remove',
    '<%= config.bin %> bench clean --dir /data/bench --remove',
  ]

  static override flags = {
    config: Flags.string({
      char: 'c',
      description: 'cluster.yml: look on the 3FS mount through a client node. Without it, this machine.',
    }),
    dir: Flags.string({description: 'Directory a benchmark ran in (its --dir); repeat for several.', multiple: true}),
    remove: Flags.boolean({description: 'Remove the run directories found (without it, only list them).'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(BenchClean)
    const cluster = await loadOptionalCluster(flags.config)
    const report = await cleanRuns({cluster, dirs: flags.dir, remove: flags.remove, signal: this.signal})
    this.emit(report, () => renderClean(report, flags.remove))
  }
}
