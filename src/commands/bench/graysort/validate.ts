import {readdirSync, statSync} from 'node:fs'
import {posix, resolve} from 'node:path'

import {Args, Flags} from '@oclif/core'

import {validateFiles} from '../../../bench/graysort/service.js'
import type {ValidationReport} from '../../../bench/graysort/summary.js'
import {openTarget} from '../../../bench/target.js'
import {UsageError} from '../../../errors.js'
import {ExitCode} from '../../../exit-codes.js'
import type {Environment} from '../../../bench/results/model.js'
import {BaseCommand, withExitCodes} from '../../../ui/base-command.js'
import {loadOptionalCluster, splitList, targetFlags, threeFsImage} from '../../../ui/bench-flags.js'
import {resultFlags, savedNote} from '../../../ui/bench/result-flags.js'
import {PhaseRecorder} from '../../../bench/results/phases.js'
import {color} from '../../../ui/colors.js'
import {renderTable} from '../../../ui/table.js'

export default class GraysortValidate extends BaseCommand {
  static override summary = 'Check sorted output as valsort does: order, duplicates, count and checksum.'
  static override description = withExitCodes(
    'Validates files in the order given (or a directory\'s part-NNNNN.dat files in order), including order across file boundaries, and prints valsort\'s figures: records, duplicate keys, the first unordered record, and the sum of record CRC-32s (compare it with the input\'s `gensort -c` checksum). Missing, truncated and out-of-order partitions are named. --expect-records and --expect-checksum turn a match with the input into part of the verdict. Exit code 1 when the output is not valid.',
  )

  static override examples = ['<%= config.bin %> bench graysort validate sorted/', '<%= config.bin %> bench graysort validate out/part-00000.dat out/part-00001.dat --json']

  static override strict = false
  static override args = {paths: Args.string({description: 'Files in order, or one directory of part-*.dat files.', required: true})}

  static override flags = {
    'expect-records': Flags.integer({description: 'Fail unless the output has exactly this many records.', min: 0}),
    'expect-checksum': Flags.string({description: 'Fail unless the output checksum equals this (gensort -c of the input).'}),
    ...targetFlags,
    ...resultFlags,
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(GraysortValidate)
    const expected = flags['expect-checksum']
    // The checksum is a sum of 128-bit CRC words, printed in hex as gensort -c prints it.
    if (expected !== undefined && !/^[0-9a-fA-F]{1,32}$/.test(expected)) throw new UsageError(`--expect-checksum ${expected} is not a checksum`, {next: 'Give the hex checksum that `gensort -c` or `bench graysort gen` printed, e.g. 7a1b3c4d5e6f.'})
    const cluster = await loadOptionalCluster(flags.config)
    const paths = argv as string[]
    const {files, missing} = cluster ? {files: paths, missing: []} : expandPaths(paths.map((path) => resolve(path)))
    const target = await openTarget({cluster, nodes: splitList(flags.nodes), dir: flags.dir ?? '/', runDir: false, purpose: 'graysort', signal: this.signal})
    const recorder = new PhaseRecorder()
    let report: ValidationReport & {seconds: number}
    let environment: Promise<Environment> | undefined
    try {
      const {collectEnvironment} = await import('../../../bench/results/environment.js')
      // Probed while the bench runs: it costs the run's wall time nothing.
      environment = collectEnvironment(target, {cliVersion: this.config.version, threeFsVersion: threeFsImage(cluster), signal: this.signal})
      report = await validateFiles(target, files, recorder, this.signal)
    } finally {
      await environment?.catch(() => undefined)
      await target.close()
    }
    for (const path of missing) report.problems.push({path, problem: 'missing (the partition numbers have a gap here)'})
    if (flags['expect-records'] !== undefined && report.records !== flags['expect-records']) report.problems.push({path: '(all)', problem: `${report.records} records, expected ${flags['expect-records']}`})
    if (flags['expect-checksum'] !== undefined && report.checksum !== flags['expect-checksum'].toLowerCase().replace(/^0+(?=.)/, '')) report.problems.push({path: '(all)', problem: `checksum ${report.checksum}, expected ${flags['expect-checksum']}`})
    report.ok = report.ok && report.problems.length === 0
    const {graysortValidateResult} = await import('../../../bench/results/build.js')
    const {recordResult} = await import('../../../bench/results/record.js')
    const saved = await recordResult(graysortValidateResult(report, {argv: this.argv, environment: await environment!, phases: recorder.spans, nodes: target.nodes.map((node) => node.name), parameters: {expectRecords: flags['expect-records'], expectChecksum: flags['expect-checksum']}}), {out: flags.out, html: flags.html})
    this.emit({...report, resultFile: saved.path, htmlFile: saved.html}, () => `${renderValidation(report)}\n${savedNote(saved)}`)
    if (!report.ok) this.exit(ExitCode.Failure)
  }
}

/** A directory stands for its part-NNNNN.dat files in order; gaps in the numbering are missing partitions. */
function expandPaths(paths: string[]): {files: string[]; missing: string[]} {
  if (paths.length !== 1 || !isDirectory(paths[0]!)) return {files: paths, missing: []}
  const dir = paths[0]!
  // In partition order: numerically, since part-100000 sorts before part-99999 as text.
  const numberOf = (name: string) => Number(/\d+/.exec(name)![0])
  const parts = readdirSync(dir).filter((name) => /^part-\d+\.dat$/.test(name)).sort((a, b) => numberOf(a) - numberOf(b))
  if (parts.length === 0) throw new UsageError(`${dir} holds no part-NNNNN.dat files`, {next: 'Give the output directory of `bench graysort sort`, or the files themselves.'})
  const numbers = parts.map(numberOf)
  const missing: string[] = []
  for (let expected = 0, index = 0; index < numbers.length; expected++) {
    if (numbers[index] === expected) index++
    else missing.push(posix.join(dir, `part-${String(expected).padStart(5, '0')}.dat`))
  }
  return {files: parts.map((name) => posix.join(dir, name)), missing}
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

function renderValidation(report: ValidationReport & {seconds: number}): string {
  const lines = [
    renderTable(['valsort', ''], [
      ['result', report.ok ? color.green('SUCCESS - all records are in order') : color.red('FAILED')],
      ['files', report.files],
      ['records', report.records.toLocaleString('en-US')],
      ['checksum', report.checksum],
      ['duplicate keys', report.duplicates],
      ['unordered records', report.unordered + (report.firstUnordered >= 0 ? ` (first: record ${report.firstUnordered})` : '')],
      ['time', `${report.seconds.toFixed(2)} s`],
    ]),
  ]
  for (const problem of report.problems) lines.push(color.red(`  ${problem.path}: ${problem.problem}`))
  return lines.join('\n')
}
