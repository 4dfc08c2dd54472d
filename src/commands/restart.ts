import {Flags} from '@oclif/core'

import {planRestart, RESTART_ORDER, RestartStoppedError, runRestart, type RestartService} from '../deploy/restart.js'
import {UsageError} from '../errors.js'
import {BaseCommand, withExitCodes} from '../ui/base-command.js'
import {configFlag, interactivePoolOptions, loadClusterWithSshFlags, splitList, sshFlags} from '../ui/config-flag.js'
import {renderRestartPlan, renderRestartReport} from '../ui/restart/render.js'

export default class Restart extends BaseCommand {
  static override summary =
    'Restart 3FS services one node at a time without taking a chain offline: storage, then meta, mgmtd and the fuse clients.'
  static override description = withExitCodes(
    [
      'Storage nodes go one at a time: before each, every chain with a replica on it must have another SERVING replica (otherwise the roll stops there, naming the chain, and nothing is done on that node); after each, every chain must be SERVING again before the next. Then meta, mgmtd and client nodes, one at a time, each waited for (heartbeat in list-nodes, or the fuse.hf3fs mount).',
      'A run that stops (a node not back in time, a chain that would go down, Ctrl-C) is recorded beside cluster.yml (.3fs-cli/<cluster>.state.json); running the same restart again continues it: the nodes it finished are skipped, the one it stopped at is restarted. --fresh forgets the stopped run. An image tag change in cluster.yml is an upgrade: `deploy` rolls it in the same order (storage, meta, mgmtd, clients), `deploy --plan` shows it.',
      '--plan prints the order without connecting; with --json: {cluster, steps[{service, node, container, nodeId, waitFor}], done[]}. A run prints {cluster, complete, restarted[], skipped[], stoppedAt?}.',
    ].join('\n\n'),
  )

  static override examples = [
    '<%= config.bin %> restart -c cluster.yml --plan',
    '<%= config.bin %> restart -c cluster.yml --service storage',
    '<%= config.bin %> restart -c cluster.yml --nodes node3,node4',
  ]

  static override flags = {
    config: configFlag,
    plan: Flags.boolean({description: 'Print the order and change nothing.'}),
    service: Flags.string({description: `Only these services (comma-separated: ${RESTART_ORDER.join(', ')}).`}),
    nodes: Flags.string({description: 'Only these nodes (comma-separated names from cluster.yml).'}),
    fresh: Flags.boolean({description: 'Forget a stopped earlier restart and restart every chosen node.'}),
    'wait-timeout': Flags.integer({
      description: 'Seconds one node may take to be back before the roll stops.',
      default: 600,
    }),
    runtime: Flags.string({description: 'Container engine command on the nodes.', default: 'docker'}),
    ...sshFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Restart)
    const cluster = await loadClusterWithSshFlags(flags)
    const services = splitList(flags.service)
    for (const service of services ?? [])
      if (!(RESTART_ORDER as readonly string[]).includes(service))
        throw new UsageError(`--service ${service} is not a service restart knows`, {
          next: `Use one or more of ${RESTART_ORDER.join(', ')}.`,
        })
    const options = {
      cluster,
      runtime: flags.runtime,
      services: services as RestartService[] | undefined,
      nodes: splitList(flags.nodes),
      fresh: flags.fresh,
    }
    if (flags.plan) {
      const plan = await planRestart(options)
      this.emit(plan, () => renderRestartPlan(plan))
      return
    }
    const report = await runRestart({
      ...options,
      pool: interactivePoolOptions(),
      signal: this.signal,
      waitTimeoutMs: flags['wait-timeout'] * 1000,
    })
    if (report.stoppedAt)
      this.failWithReport(new RestartStoppedError(report), report, () => renderRestartReport(report))
    this.emit(report, () => renderRestartReport(report))
  }
}
