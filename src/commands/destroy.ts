import {Flags} from '@oclif/core'

import {ApplyFailedError, destroy, destroyPlanView} from '../deploy/service.js'
import {BaseCommand, withExitCodes} from '../ui/base-command.js'
import {configFlag, interactivePoolOptions, loadClusterWithSshFlags, sshFlags} from '../ui/config-flag.js'
import {renderApply, renderDestroy, renderPlan} from '../ui/deploy/render.js'
import {confirmDestroy} from '../ui/deploy/confirm.js'
import {stageProgressFor} from '../ui/stage-progress.js'

export default class Destroy extends BaseCommand {
  static override summary =
    'Take a 3FS cluster down: containers removed in reverse order, the client unmounted; data kept unless asked.'
  static override description = withExitCodes(
    [
      'Stops and removes the containers (fuse client first, FoundationDB last), unmounts the client mount point and forgets the record of applied actions (on each node and beside cluster.yml), so the next deploy does everything again. Data is never deleted by default: --purge-data removes the service directories under workDir (FoundationDB, ClickHouse and storage data), --wipe-disks also erases the NVMe disks labelled 3fs-data-*; both ask for confirmation unless --yes.',
      'Node ids and chain-table versions recorded beside cluster.yml (.3fs-cli/<cluster>.state.json) are KEPT: a re-deploy gives every node the id it had, which kept data (storage targets, FoundationDB) refers to. --forget-ids removes them too; the next deploy then numbers nodes in cluster.yml order again. The JSON result says which: record.nodeIds is kept, forgotten or none recorded.',
    ].join('\n\n'),
  )

  static override examples = [
    '<%= config.bin %> destroy -c cluster.yml',
    '<%= config.bin %> destroy -c cluster.yml --plan',
    '<%= config.bin %> destroy -c cluster.yml --purge-data --wipe-disks --yes',
  ]

  static override flags = {
    config: configFlag,
    plan: Flags.boolean({description: 'Print what would be done and change nothing.'}),
    'purge-data': Flags.boolean({
      description: 'Also delete the service data directories under workDir (irreversible).',
    }),
    'wipe-disks': Flags.boolean({description: 'Also wipe the NVMe data disks labelled 3fs-data-* (irreversible).'}),
    'forget-ids': Flags.boolean({
      description:
        'Also forget the node ids and chain-table versions recorded beside cluster.yml (kept by default so a re-deploy reuses them).',
    }),
    yes: Flags.boolean({char: 'y', description: 'Do not ask for confirmation.'}),
    runtime: Flags.string({description: 'Container engine command on the nodes.', default: 'docker'}),
    ...sshFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Destroy)
    const cluster = await loadClusterWithSshFlags(flags)
    const options = {runtime: flags.runtime, purgeData: flags['purge-data'], wipeDisks: flags['wipe-disks']}
    if (flags.plan) {
      const plan = destroyPlanView(cluster, options)
      this.emit(plan, () => renderPlan(plan))
      return
    }
    await confirmDestroy(cluster, {...options, yes: flags.yes})
    const progress = stageProgressFor(!this.jsonMode)
    try {
      const result = await progress.around(() =>
        destroy({
          cluster,
          ...options,
          forgetIds: flags['forget-ids'],
          concurrency: flags.concurrency,
          pool: interactivePoolOptions(),
          signal: this.signal,
          events: progress.events,
        }),
      )
      this.emit({...result.apply, record: result.record}, () => renderDestroy(result.apply, result.record))
    } catch (error) {
      if (error instanceof ApplyFailedError)
        this.failWithReport(error, error.report, () => renderApply(error.report, 'destroy'))
      throw error
    }
  }
}
