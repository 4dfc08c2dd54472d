import {Flags} from '@oclif/core'

import {CHECK_NAMES} from '../deploy/preflight.js'
import {check} from '../deploy/service.js'
import {ExitCode} from '../exit-codes.js'
import {BaseCommand, withExitCodes} from '../ui/base-command.js'
import {configFlag, interactivePoolOptions, loadClusterWithSshFlags, splitList, sshFlags} from '../ui/config-flag.js'
import {renderPreflight} from '../ui/deploy/render.js'

export default class Check extends BaseCommand {
  static override summary =
    'Check every node before a deploy: SSH, sudo, container engine, kernel, FUSE, CPU, RDMA, NICs, ports, disks, /dev/shm, mount point.'
  static override description = withExitCodes(
    `Runs one probe per node, all nodes at once, and changes nothing. Each check is ok, warn or fail, and every failure says what to do. deploy runs the same checks first and stops when one fails. Checks: ${CHECK_NAMES.join(', ')}. Exit 1 when a node is not ready, 5 when a node cannot be reached.`,
  )

  static override examples = [
    '<%= config.bin %> check -c cluster.yml',
    '<%= config.bin %> check -c cluster.yml --json --ignore-check rdma',
  ]

  static override flags = {
    config: configFlag,
    runtime: Flags.string({description: 'Container engine command on the nodes.', default: 'docker'}),
    'ignore-check': Flags.string({
      description: `Comma-separated checks to report as warnings instead of failures (${CHECK_NAMES.join(', ')}).`,
    }),
    ...sshFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Check)
    const cluster = await loadClusterWithSshFlags(flags)
    const report = await check({
      cluster,
      runtime: flags.runtime,
      concurrency: flags.concurrency,
      pool: interactivePoolOptions(),
      signal: this.signal,
      ignore: splitList(flags['ignore-check']),
    })
    this.emit(report, () => renderPreflight(report))
    if (report.unreachable > 0) this.exit(ExitCode.Unreachable)
    if (!report.ok) this.exit(ExitCode.Failure)
  }
}
