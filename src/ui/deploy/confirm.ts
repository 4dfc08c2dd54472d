/** destroy's confirmation: data is deleted only after the cluster's name is typed (or --yes). */
import type {Cluster} from '../../config/model.js'
import {UsageError} from '../../errors.js'
import {canPrompt, promptLine} from '../prompt.js'

/** Returns when deleting is confirmed (or nothing is deleted); throws a UsageError that changes nothing otherwise. */
export async function confirmDestroy(
  cluster: Cluster,
  options: {purgeData: boolean; wipeDisks: boolean; yes: boolean},
): Promise<void> {
  if ((!options.purgeData && !options.wipeDisks) || options.yes) return
  const what = [
    options.purgeData ? `the data under ${cluster.config.workDir} on every node` : '',
    options.wipeDisks ? 'every NVMe disk labelled 3fs-data-*' : '',
  ]
    .filter(Boolean)
    .join(' and ')
  if (!canPrompt())
    throw new UsageError(`refusing to delete ${what} without confirmation`, {
      next: 'Run it at a terminal to confirm, or add --yes.',
    })
  const answer = await promptLine(`This deletes ${what} of cluster ${cluster.name}. Type the cluster name to confirm: `)
  if (answer.trim() !== cluster.name)
    throw new UsageError('not confirmed; nothing was changed', {
      next: `Type ${cluster.name} exactly, or add --yes.`,
    })
}
