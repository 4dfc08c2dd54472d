import {Args, Flags} from '@oclif/core'

import {ExitCode} from '../exit-codes.js'
import {execOnNodes} from '../nodes/exec.js'
import {BaseCommand, withExitCodes} from '../ui/base-command.js'
import {configFlag, interactivePoolOptions, loadClusterWithSshFlags, splitList, sshFlags} from '../ui/config-flag.js'
import {renderExec} from '../ui/exec/render.js'
import {parseDuration} from '../ui/duration.js'

export default class Exec extends BaseCommand {
  static override summary = "Run a shell command on cluster nodes and show each node's output and exit code."
  static override description = withExitCodes(
    "Runs the command on every selected node at once (bounded by --concurrency) over one reused SSH connection per node. Words after -- are joined with spaces and run by the node's shell, as ssh does. A node that fails, times out or cannot be reached is reported by name while the others finish (or are cancelled with --fail-fast). Exit code 1 when any node failed, 5 when any node could not be reached.",
  )

  static override examples = [
    '<%= config.bin %> exec -- uname -r',
    '<%= config.bin %> exec --service storage --sudo -- df -h /opt/3fs',
    '<%= config.bin %> exec --nodes node1,node2 --timeout 5s --json -- "systemctl is-active docker"',
  ]

  static override strict = false
  static override args = {command: Args.string({description: 'The command (after --).', required: true})}

  static override flags = {
    config: configFlag,
    nodes: Flags.string({description: 'Comma-separated node names (or hosts) to run on.'}),
    service: Flags.string({description: 'Run on the nodes of this service (fdb, mgmtd, meta, storage, client, ...).'}),
    sudo: Flags.boolean({description: 'Run as root through sudo (the password, if any, is sent on stdin).'}),
    timeout: Flags.string({description: 'Per-node timeout, e.g. 30s or 5m (default: ssh.commandTimeout).'}),
    'fail-fast': Flags.boolean({description: 'Cancel the other nodes when one fails.'}),
    ...sshFlags,
  }

  async run(): Promise<void> {
    const {flags, argv} = await this.parse(Exec)
    const cluster = await loadClusterWithSshFlags(flags)
    const report = await execOnNodes({
      cluster,
      command: argv as string[],
      nodes: splitList(flags.nodes),
      service: flags.service,
      sudo: flags.sudo,
      timeoutMs: flags.timeout === undefined ? undefined : parseDuration(flags.timeout, '--timeout'),
      concurrency: flags.concurrency,
      failFast: flags['fail-fast'],
      signal: this.signal,
      pool: interactivePoolOptions(),
    })
    this.emit(report, () => renderExec(report))
    if (report.summary.unreachable > 0) this.exit(ExitCode.Unreachable)
    if (report.summary.failed > 0) this.exit(ExitCode.Failure)
  }
}
