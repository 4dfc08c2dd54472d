import {readdirSync, statSync} from 'node:fs'
import {posix, resolve} from 'node:path'

import {Flags} from '@oclif/core'

import {SHUFFLE_CHOICES, type ShuffleChoice} from '../../../bench/graysort/plan.js'
import {sortFiles, type Phase, type SortResult} from '../../../bench/graysort/service.js'
import type {EngineChoice} from '../../../bench/throughput/service.js'
import {formatBytes, parseSize, SIZE_UNITS_HELP} from '../../../bench/size.js'
import {openTarget} from '../../../bench/target.js'
import {UsageError} from '../../../errors.js'
import type {Environment} from '../../../bench/results/model.js'
import {BaseCommand, withExitCodes} from '../../../ui/base-command.js'
import {loadOptionalCluster, splitList, targetFlags, threeFsImage} from '../../../ui/bench-flags.js'
import {resultFlags, savedNote} from '../../../ui/bench/result-flags.js'
import {PhaseRecorder} from '../../../bench/results/phases.js'
import {PhaseProgress} from '../../../ui/phase-progress.js'
import {renderTable} from '../../../ui/table.js'

const PHASES: Phase[] = ['sample', 'map', 'reduce']
const TITLES = {sample: 'Sample keys, pick splitters', map: 'Map: range-partition', reduce: 'Reduce: sort partitions'} as Record<Phase, string>

export default class GraysortSort extends BaseCommand {
  static override summary = 'Sort gensort files into one sorted file per partition (part-NNNNN.dat).'
  static override description = withExitCodes(
    'Sorts existing 100-byte-record files (from gensort or `bench graysort gen`) with the native two-pass sort. --input is a file or a directory whose *.dat files are the input. Concatenating the output partitions in name order gives the sorted data; check it with `bench graysort validate DIR`.',
  )

  static override examples = ['<%= config.bin %> bench graysort sort --input input.dat --output sorted/', '<%= config.bin %> bench graysort sort -c cluster.yml --input /3fs/graysort/input --output /3fs/graysort/output']

  static override flags = {
    input: Flags.string({char: 'i', description: 'Input file, or directory of .dat files.', required: true}),
    output: Flags.string({char: 'o', description: 'Output directory for part-NNNNN.dat files.', required: true}),
    partitions: Flags.integer({description: 'Number of output partitions (default: from size, nodes and memory).', min: 1}),
    shuffle: Flags.string({description: 'Between map and reduce: memory (one node that holds the data twice), files (any size), or auto.', options: [...SHUFFLE_CHOICES], default: 'auto'}),
    memory: Flags.string({description: `Memory each worker may use (default: 60% of available). ${SIZE_UNITS_HELP}`}),
    keep: Flags.boolean({description: 'Keep intermediate (map) files.'}),
    engine: Flags.string({description: 'I/O engine for the sort\'s data (auto: usrbio on a 3FS mount, else io_uring, else psync).', options: ['auto', 'usrbio', 'io_uring', 'psync'], default: 'auto'}),
    'usrbio-lib': Flags.string({description: 'Path of libhf3fs_api_shared.so on the nodes (else THREEFS_USRBIO_LIB or the usual 3FS locations).'}),
    mount: Flags.string({description: '3FS mount point, for usrbio (default: the cluster\'s hostMountpoint).'}),
    ...targetFlags,
    ...resultFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(GraysortSort)
    const cluster = await loadOptionalCluster(flags.config)
    if (cluster && (!flags.input.startsWith('/') || !flags.output.startsWith('/'))) throw new UsageError('--input and --output must be absolute paths on the nodes', {next: 'For example --input /3fs/graysort/input --output /3fs/graysort/output'})
    const input = cluster ? posix.normalize(flags.input) : resolve(flags.input)
    const output = cluster ? posix.normalize(flags.output) : resolve(flags.output)
    if (isInside(input, output)) throw new UsageError(`--output ${output} and --input ${input} overlap`, {next: 'Sort into a new directory outside the input (and the input outside the output).'})
    const inputs = cluster ? [input] : listInputs(input)
    if (!cluster) checkOutputDir(output)
    // The map files go to a new marked directory of this run (in --dir, else in the output directory),
    // removed at the end, also after a failure or Ctrl-C; nothing already there is touched.
    const target = await openTarget({cluster, nodes: splitList(flags.nodes), dir: flags.dir ?? output, purpose: 'graysort', signal: this.signal})
    const progress = new PhaseProgress(PHASES, TITLES, !this.jsonMode)
    const recorder = new PhaseRecorder(progress)
    let result: SortResult
    let environment: Promise<Environment> | undefined
    try {
      const {collectEnvironment} = await import('../../../bench/results/environment.js')
      // Probed while the bench runs: it costs the run's wall time nothing.
      environment = collectEnvironment(target, {cliVersion: this.config.version, threeFsVersion: threeFsImage(cluster), signal: this.signal})
      if (cluster) await checkRemoteOutputDir(target, output, flags.dir === undefined)
      const remoteInputs = cluster ? await listRemoteInputs(target, input) : inputs
      result = await progress.around(() => sortFiles(target, {inputs: remoteInputs, outputDir: output, workDir: posix.join(target.dir, 'work'), partitions: flags.partitions, shuffle: flags.shuffle as ShuffleChoice, memoryBytes: flags.memory ? parseSize(flags.memory, '--memory') : undefined, keep: flags.keep, engine: flags.engine as EngineChoice, usrbioLibrary: flags['usrbio-lib'], mountPoint: flags.mount, signal: this.signal}, recorder))
    } finally {
      // Also after a failure or Ctrl-C: the run's own marked directory goes, nothing else.
      if (!flags.keep) await target.removeRunDir()
      this.leftoverNote(target.leftover)
      await environment?.catch(() => undefined)
      await target.close()
    }
    const {graysortSortResult} = await import('../../../bench/results/build.js')
    const {recordResult} = await import('../../../bench/results/record.js')
    const saved = await recordResult(graysortSortResult(result, {argv: this.argv, environment: await environment!, phases: recorder.spans, nodes: target.nodes.map((node) => node.name), parameters: {shuffle: flags.shuffle, engineChoice: flags.engine}}), {out: flags.out, html: flags.html})
    this.emit({...result, outputs: undefined, outputDir: output, files: result.outputs.length, resultFile: saved.path, htmlFile: saved.html}, () =>
      `${renderTable(['sort', ''], [
        ['data', formatBytes(result.bytes)],
        ['partitions', `${result.plan.partitions} files in ${output}`],
        ['time', `${result.seconds.toFixed(2)} s (${result.timings.map((timing) => `${timing.phase} ${timing.seconds.toFixed(2)}`).join(', ')})`],
        ['throughput', `${(result.bytes / 2 ** 30 / result.seconds / target.nodes.length).toFixed(3)} GiB/s per node`],
      ])}\n${savedNote(saved)}`,
    )
  }
}

function isInside(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`)
}

const NOT_EMPTY_NEXT = 'Give --output a new or empty directory (sort never deletes or overwrites files it did not make), or remove the old output first.'

/** The output directory must be new or empty: stale part files would mix with this run's. */
function checkOutputDir(path: string): void {
  let info
  try {
    info = statSync(path)
  } catch {
    return
  }
  if (!info.isDirectory()) throw new UsageError(`--output ${path} is not a directory`, {next: 'Give --output a directory (it is made if missing).'})
  const entries = readdirSync(path)
  if (entries.length > 0) throw new UsageError(`--output ${path} is not empty (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}: ${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''})`, {next: NOT_EMPTY_NEXT})
}

/** The same on the nodes; the run's own work directory, when made inside the output, does not count. */
async function checkRemoteOutputDir(target: {dir: string; nodes: Array<{host: {run: (command: string) => Promise<{stdout: string}>}}>}, path: string, holdsWorkDir: boolean): Promise<void> {
  const skip = holdsWorkDir ? posix.basename(target.dir) : ''
  const listing = await target.nodes[0]!.host.run(`if [ -e ${JSON.stringify(path)} ] && [ ! -d ${JSON.stringify(path)} ]; then echo not-a-directory; else ls -A -- ${JSON.stringify(path)} 2>/dev/null | grep -vx -- ${JSON.stringify(skip || '/')} | head -4; fi`)
  const entries = listing.stdout.split('\n').filter(Boolean)
  if (entries[0] === 'not-a-directory') throw new UsageError(`--output ${path} is not a directory on the nodes`, {next: 'Give --output a directory.'})
  if (entries.length > 0) throw new UsageError(`--output ${path} is not empty on the nodes (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''})`, {next: NOT_EMPTY_NEXT})
}

function listInputs(path: string): string[] {
  let info
  try {
    info = statSync(path)
  } catch {
    throw new UsageError(`${path} does not exist`, {next: 'Give an input file or a directory of .dat files.'})
  }
  if (!info.isDirectory()) return [path]
  const files = readdirSync(path).filter((name) => name.endsWith('.dat')).sort().map((name) => posix.join(path, name))
  if (files.length === 0) throw new UsageError(`${path} holds no .dat files`, {next: 'Generate input with `3fs-cli bench graysort gen --output DIR/`.'})
  return files
}

async function listRemoteInputs(target: {nodes: Array<{host: {run: (command: string | string[]) => Promise<{stdout: string; exitCode: number | null}>}}>}, path: string): Promise<string[]> {
  const listing = await target.nodes[0]!.host.run(`if [ -d ${JSON.stringify(path)} ]; then ls -1 ${JSON.stringify(path)} | grep '\\.dat$' | sed "s|^|${path.replace(/\/$/, '')}/|"; else echo ${JSON.stringify(path)}; fi`)
  const files = listing.stdout.trim().split('\n').filter(Boolean)
  if (files.length === 0) throw new UsageError(`${path} holds no .dat files on the nodes`, {next: 'Generate input first.'})
  return files
}
