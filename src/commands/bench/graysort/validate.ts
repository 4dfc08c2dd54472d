import {Args, Flags} from '@oclif/core'

import {validateJob} from '../../../bench/graysort/jobs.js'
import {UsageError} from '../../../errors.js'
import {ExitCode} from '../../../exit-codes.js'
import {BaseCommand, withExitCodes} from '../../../ui/base-command.js'
import {loadOptionalCluster, splitList, targetFlags} from '../../../ui/bench-flags.js'
import {renderValidation} from '../../../ui/bench/graysort.js'
import {resultFlags, savedNote} from '../../../ui/bench/result-flags.js'

export default class GraysortValidate extends BaseCommand {
  static override summary = 'Check sorted output as valsort does: order, duplicates, count and checksum.'
  static override description = withExitCodes(
    "Validates files in the order given (or a directory's part-NNNNN.dat files in order), including order across file boundaries, and prints valsort's figures: records, duplicate keys, the first unordered record, and the sum of record CRC-32s (compare it with the input's `gensort -c` checksum). Missing, truncated and out-of-order partitions are named. --expect-records and --expect-checksum turn a match with the input into part of the verdict. Exit code 1 when the output is not valid.",
  )

  static override examples = [
    '<%= config.bin %> bench graysort validate sorted/',
    '<%= config.bin %> bench graysort validate out/part-00000.dat out/part-00001.dat --json',
  ]

  static override strict = false
  static override args = {
    paths: Args.string({description: 'Files in order, or one directory of part-*.dat files.', required: true}),
  }

  static override flags = {
    'expect-records': Flags.integer({description: 'Fail unless the output has exactly this many records.', min: 0}),
    'expect-checksum': Flags.string({
      description: 'Fail unless the output checksum equals this (gensort -c of the input).',
    }),
    ...targetFlags,
    ...resultFlags,
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(GraysortValidate)
    const expected = flags['expect-checksum']
    // The checksum is a sum of 128-bit CRC words, printed in hex as gensort -c prints it.
    if (expected !== undefined && !/^[0-9a-fA-F]{1,32}$/.test(expected))
      throw new UsageError(`--expect-checksum ${expected} is not a checksum`, {
        next: 'Give the hex checksum that `gensort -c` or `bench graysort gen` printed, e.g. 7a1b3c4d5e6f.',
      })
    const cluster = await loadOptionalCluster(flags.config)
    const {report, saved} = await validateJob({
      cluster,
      nodes: splitList(flags.nodes),
      dir: flags.dir,
      paths: argv as string[],
      expectRecords: flags['expect-records'],
      expectChecksum: flags['expect-checksum'],
      cliVersion: this.config.version,
      save: {argv: this.argv, out: flags.out, html: flags.html},
      signal: this.signal,
    })
    this.emit(
      {...report, resultFile: saved.path, htmlFile: saved.html},
      () => `${renderValidation(report)}\n${savedNote(saved)}`,
    )
    if (!report.ok) this.exit(ExitCode.Failure)
  }
}
