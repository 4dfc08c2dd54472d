import {Flags} from '@oclif/core'

import {generateJob} from '../../../bench/graysort/jobs.js'
import {rejectSkewMode} from '../../../bench/graysort/modes.js'
import {checkRecords, parseStart} from '../../../bench/graysort/start.js'
import {UsageError} from '../../../errors.js'
import {BaseCommand, withExitCodes} from '../../../ui/base-command.js'
import {loadOptionalCluster, splitList, targetFlags} from '../../../ui/bench-flags.js'
import {renderGenerate} from '../../../ui/bench/graysort.js'
import {PhaseProgress} from '../../../ui/phase-progress.js'

export default class GraysortGen extends BaseCommand {
  static override summary =
    "Generate gensort records: one file identical to gensort's, or a directory of per-node files."
  static override description = withExitCodes(
    'A PATH that is a file name writes one file byte-identical to `gensort [-a] -bSTART RECORDS PATH` (on this machine, or the first node with -c). A PATH ending in / or naming a directory gets one input file per node, every node generating its own record range in parallel. The checksum printed is what `gensort -c` prints.',
  )

  static override examples = [
    '<%= config.bin %> bench graysort gen --records 1000000 --output input.dat',
    '<%= config.bin %> bench graysort gen --records 100000 --start 500 --mode ascii --output part2.txt',
    '<%= config.bin %> bench graysort gen -c cluster.yml --records 10000000000 --output /3fs/graysort/input/',
  ]

  static override flags = {
    records: Flags.integer({description: 'Number of 100-byte records.', required: true, min: 1}),
    start: Flags.string({
      description: 'First record number (gensort -b), 0 to 2^64 - 1; the last record generated must be below 2^64 too.',
      default: '0',
    }),
    mode: Flags.string({
      description: 'binary (gensort default) or ascii (gensort -a); skew (gensort -s) is not available, see --help.',
      options: ['binary', 'ascii', 'skew'],
      default: 'binary',
    }),
    output: Flags.string({
      char: 'o',
      description:
        'Output file, or directory (ending in /) for per-node files. Files that exist are not replaced (unless --force).',
      required: true,
    }),
    force: Flags.boolean({description: 'Replace output files that already exist.'}),
    ...targetFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(GraysortGen)
    rejectSkewMode(flags.mode)
    checkRecords(flags.records)
    const start = parseStart(flags.start, flags.records)
    if (flags.output.trim() === '')
      throw new UsageError('--output is empty', {
        next: 'Give a file name (e.g. input.dat), or a directory ending in / for per-node files.',
      })
    const cluster = await loadOptionalCluster(flags.config)
    const result = await generateJob(
      {
        cluster,
        nodes: splitList(flags.nodes),
        dir: flags.dir,
        output: flags.output,
        start,
        records: flags.records,
        mode: flags.mode as 'binary' | 'ascii',
        force: flags.force,
        signal: this.signal,
      },
      () => new PhaseProgress(['gen'] as const, {gen: 'Generate records'}, !this.jsonMode),
    )
    this.emit(result, () => renderGenerate(result, flags.records))
  }
}
