import {Flags} from '@oclif/core'

import {CHECK_NAMES} from '../deploy/preflight.js'
import {ApplyFailedError, deploy, deployPlanView, PreflightFailedError} from '../deploy/service.js'
import {BaseCommand, withExitCodes} from '../ui/base-command.js'
import {configFlag, interactivePoolOptions, loadClusterWithSshFlags, splitList, sshFlags} from '../ui/config-flag.js'
import {renderApply, renderPlan, renderPreflight} from '../ui/deploy/render.js'
import {stageProgressFor} from '../ui/stage-progress.js'

export default class Deploy extends BaseCommand {
  static override summary =
    'Deploy 3FS from cluster.yml over SSH and mount it at the client mount point (/3fs); re-runs resume and never duplicate.'
  static override description = withExitCodes(
    [
      "Checks every node first (the checks of `3fs-cli check`) and changes nothing when one fails. Then applies the plan in 3FS's order: hosts, images, FoundationDB, ClickHouse, monitor, mgmtd (init-cluster before start), meta, storage (disks, configs), the root user and token, targets, chains and the chain table (generated here, balanced, replicas on distinct nodes), a wait until every chain is SERVING, then the fuse client with a write/read smoke test on the mount.",
      'Every applied action is recorded on its node (<workDir>/.3fs-cli/applied) and beside cluster.yml, so a second deploy reports 0 changes and a deploy that stopped resumes where it stopped once the cause is fixed. A changed config file or image is applied again.',
      '--plan prints the ordered actions per node (files with their content and sha256, commands, admin_cli calls, waits) without connecting to any node, leaving out those the record beside cluster.yml shows as applied; with --json: {cluster, nodeIds[{node, ids}], chainTable[{version, chains, newChains, storageNodeIds}], alreadyApplied, stages[], actions[{stage, node, service, kind, description, path, content, sha256, mode, command, stdin, until (a regex on plain output), expect (an admin_cli wait: {kind, ..., text}, judged on the parsed table), fingerprint}]}. Secrets (ClickHouse password, token) are never shown: a file holding one is shown with only the secret values replaced by <secret> and has no sha256 (its fingerprint is keyed with a random key kept in ~/.local/state/3fs-cli, so a plan cannot be used to test password guesses).',
      'Node ids are assigned once and recorded beside cluster.yml; editing cluster.yml never renumbers them. New storage nodes get their own targets and new chains and one new version of chain table 1 (the old chains unchanged; existing data is not moved). Removing a storage, meta or mgmtd node, or changing a storage setting the chains were made with, is refused before anything changes. On a live cluster a changed image or config restarts storage one node at a time, each between two waits for every chain SERVING.',
    ].join('\n\n'),
  )

  static override examples = [
    '<%= config.bin %> deploy -c cluster.yml --plan',
    '<%= config.bin %> deploy -c cluster.yml',
    '<%= config.bin %> deploy -c cluster.yml --artifact 3fs-images.tar',
  ]

  static override flags = {
    config: configFlag,
    plan: Flags.boolean({description: 'Print the plan and change nothing.'}),
    artifact: Flags.string({
      description: 'Load images from this tarball (3fs-cli artifact export) on every node instead of pulling.',
    }),
    runtime: Flags.string({description: 'Container engine command on the nodes.', default: 'docker'}),
    'ignore-check': Flags.string({
      description: `Comma-separated preflight checks to treat as warnings (${CHECK_NAMES.join(', ')}).`,
    }),
    'skip-preflight': Flags.boolean({description: 'Do not run the preflight checks (not recommended).'}),
    ...sshFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Deploy)
    const cluster = await loadClusterWithSshFlags(flags)
    if (flags.plan) {
      const plan = await deployPlanView(cluster, {runtime: flags.runtime, artifact: flags.artifact})
      this.emit(plan, () => renderPlan(plan))
      return
    }
    const progress = stageProgressFor(!this.jsonMode)
    try {
      const result = await progress.around(() =>
        deploy({
          cluster,
          runtime: flags.runtime,
          artifact: flags.artifact,
          ignoreChecks: splitList(flags['ignore-check']),
          skipPreflight: flags['skip-preflight'],
          concurrency: flags.concurrency,
          pool: interactivePoolOptions(),
          signal: this.signal,
          events: progress.events,
        }),
      )
      this.emit({preflight: result.preflight, ...result.apply}, () => renderApply(result.apply, 'deploy'))
    } catch (error) {
      if (error instanceof PreflightFailedError)
        this.failWithReport(error, error.report, () => renderPreflight(error.report))
      if (error instanceof ApplyFailedError)
        this.failWithReport(error, error.report, () => renderApply(error.report, 'deploy'))
      throw error
    }
  }
}
