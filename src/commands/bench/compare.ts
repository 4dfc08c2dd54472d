import {Args, Flags} from '@oclif/core'

import {compareResults} from '../../bench/results/compare.js'
import {loadResult} from '../../bench/results/store.js'
import {UsageError} from '../../errors.js'
import {ExitCode} from '../../exit-codes.js'
import {BaseCommand, withExitCodes} from '../../ui/base-command.js'
import {renderComparison} from '../../ui/bench/compare.js'

export default class BenchCompare extends BaseCommand {
  static override summary = 'Compare two saved bench results figure by figure.'
  static override description = withExitCodes(
    'Prints every figure of BASE and NEW (results saved by the bench commands, see --out), the change in percent and a verdict that knows which way is better: bandwidth, IOPS and sort rate up, latency and times down. Changes within --same are "same". Differences in parameters, engine or machines are noted, since they make a comparison unfair. With --threshold, a figure worse by more than PCT percent is a regression and the exit code is 1 (for CI).',
  )

  static override examples = [
    '<%= config.bin %> bench compare base.json new.json',
    '<%= config.bin %> bench compare base.json new.json --threshold 5 --json',
  ]

  static override args = {
    base: Args.string({description: 'The result to compare against.', required: true}),
    new: Args.string({description: 'The new result.', required: true}),
  }

  static override flags = {
    threshold: Flags.string({description: 'Exit 1 when a figure is worse by more than this many percent.'}),
    same: Flags.string({description: 'Changes within this many percent count as the same.', default: '1'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(BenchCompare)
    const [base, next] = await Promise.all([loadResult(args.base), loadResult(args.new)])
    const comparison = compareResults(base, next, {
      thresholdPct: flags.threshold === undefined ? undefined : percent(flags.threshold, '--threshold'),
      samePct: percent(flags.same, '--same'),
    })
    this.emit(comparison, () => renderComparison(comparison))
    if (comparison.summary.regressions > 0) this.exit(ExitCode.Failure)
  }
}

function percent(text: string, flag: string): number {
  const value = Number(text.replace(/%$/, ''))
  if (text.trim() === '' || !Number.isFinite(value) || value < 0)
    throw new UsageError(`${flag} ${text} is not a percentage`, {next: 'Give a number of percent, e.g. 5.'})
  return value
}
