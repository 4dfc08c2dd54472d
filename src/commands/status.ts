import {Flags} from '@oclif/core'

import {ExitCode} from '../exit-codes.js'
import {UserError} from '../errors.js'
import {DEFAULT_RUNTIME} from '../cluster/defaults.js'
import {prepareCaptureDir, StatusSession, statusFromCapture, type StatusResult} from '../status/service.js'
import {BaseCommand, withExitCodes} from '../ui/base-command.js'
import {configFlag, interactivePoolOptions, loadClusterWithSshFlags, sshFlags} from '../ui/config-flag.js'
import {parseDuration} from '../ui/duration.js'
import {renderStatus, statusJson} from '../ui/status/render.js'
import {watchStatus} from '../ui/status/watch.js'

const DEFAULT_WATCH_SECONDS = 5

export default class Status extends BaseCommand {
  static override summary =
    'Show the health of every node, service, chain, target and mount, with the cause and the fix of each problem.'
  static override description = withExitCodes(
    [
      "Probes every node at once over SSH (containers of its services with restarts and uptime, the 3FS mount on client nodes with fstype, usage and a timed stat/read, data disks on storage nodes), and on the first mgmtd node that answers runs admin_cli list-nodes, list-chains, list-targets, list-chain-tables and list-clients and FoundationDB's status. The verdict is HEALTHY (exit 0), DEGRADED (exit 3: it serves, with less than it should, or something could not be seen) or DOWN (exit 4: a core service, FoundationDB or a chain cannot serve).",
      '--capture DIR saves every raw output (admin_cli/<command>.txt, fdb/status.json, nodes/<node>/<section>.txt, layout.json) for a bug report; --from DIR judges such a capture without any cluster, partial ones included.',
      'JSON (--json): {cluster, verdict, problems[{severity: critical|error|warning, subject, cause, next}], nodes[], services[], chains[], targets[], chainTables[], clients[], fdb, missing[], basis{asked, answered, failed, chainsFrom, replicaCount} (what the verdict rests on), recovery[] (per node: targets syncing/waiting and bytes copied), summary, source, durationMs}. With --watch each round prints one JSON object per line, with progress[] since the round before.',
    ].join('\n\n'),
  )

  static override examples = [
    '<%= config.bin %> status -c cluster.yml',
    '<%= config.bin %> status -c cluster.yml --watch 10',
    '<%= config.bin %> status -c cluster.yml --capture ./3fs-status-capture',
    '<%= config.bin %> status --from ./3fs-status-capture --json',
  ]

  static override flags = {
    config: configFlag,
    from: Flags.string({
      description: 'Judge a capture directory made with --capture instead of probing a cluster.',
      exclusive: ['capture', 'watch'],
    }),
    capture: Flags.string({description: 'Save every raw output collected into this directory.'}),
    watch: Flags.integer({
      description: `Refresh every N seconds (default ${DEFAULT_WATCH_SECONDS} when given without a value) until Ctrl-C.`,
      min: 1,
    }),
    all: Flags.boolean({description: 'List every chain and target, not only those with problems.'}),
    runtime: Flags.string({description: 'Container engine command on the nodes.', default: DEFAULT_RUNTIME}),
    sudo: Flags.boolean({
      description: 'Probe as root through sudo (the container engine usually needs it).',
      default: true,
      allowNo: true,
    }),
    timeout: Flags.string({description: 'Per-node probe timeout.', default: '20s'}),
    ...sshFlags,
  }

  async run(): Promise<void> {
    // `--watch` may be given without a value: oclif needs one, so supply the default.
    const at = this.argv.indexOf('--watch')
    if (at >= 0 && (at === this.argv.length - 1 || this.argv[at + 1]!.startsWith('-')))
      this.argv.splice(at + 1, 0, String(DEFAULT_WATCH_SECONDS))
    const {flags} = await this.parse(Status)

    if (flags.from) {
      const result = await statusFromCapture(flags.from)
      this.show(result, flags.all)
      this.exitFor(result)
      return
    }
    const cluster = await loadClusterWithSshFlags(flags)
    // Made (or refused) before any node is probed.
    if (flags.capture) await prepareCaptureDir(flags.capture)
    const session = new StatusSession({
      cluster,
      runtime: flags.runtime,
      sudo: flags.sudo,
      timeoutMs: parseDuration(flags.timeout, '--timeout'),
      concurrency: flags.concurrency,
      pool: interactivePoolOptions(),
      captureDir: flags.capture,
      toolVersion: this.config.version,
    })
    try {
      if (flags.watch === undefined) {
        const result = await session.round(this.signal)
        this.show(result, flags.all)
        if (flags.capture)
          this.note(
            `Raw outputs saved in ${flags.capture}; judge them again with: 3fs-cli status --from ${flags.capture}`,
          )
        this.exitFor(result)
        return
      }
      await watchStatus(session, {seconds: flags.watch, all: flags.all, json: this.jsonMode, signal: this.signal})
      throw new UserError('interrupted', {exitCode: ExitCode.Interrupted})
    } finally {
      await session.close()
    }
  }

  private show(result: StatusResult, all: boolean): void {
    this.emit(statusJson(result), () => renderStatus(result, {all}))
  }

  private exitFor(result: StatusResult): void {
    if (result.report.verdict === 'DOWN') this.exit(ExitCode.Down)
    if (result.report.verdict === 'DEGRADED') this.exit(ExitCode.Degraded)
  }
}
