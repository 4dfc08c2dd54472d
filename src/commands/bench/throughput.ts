import {Flags} from '@oclif/core'

import {ENGINES, PATTERNS, runThroughput, type EngineChoice, type Pattern, type ThroughputReport} from '../../bench/throughput/service.js'
import {formatBytes, parseSize, SIZE_UNITS_HELP} from '../../bench/size.js'
import {openTarget} from '../../bench/target.js'
import type {Environment} from '../../bench/results/model.js'
import {BaseCommand, withExitCodes} from '../../ui/base-command.js'
import {loadOptionalCluster, splitList, targetFlags, threeFsImage} from '../../ui/bench-flags.js'
import {color} from '../../ui/colors.js'
import {parseDuration} from '../../ui/duration.js'
import {PhaseProgress} from '../../ui/phase-progress.js'
import {renderTable} from '../../ui/table.js'
import {resultFlags, savedNote} from '../../ui/bench/result-flags.js'

export default class BenchThroughput extends BaseCommand {
  static override summary = 'Measure read/write throughput, IOPS and latency through usrbio, io_uring or psync.'
  static override description = withExitCodes(
    'Runs a fio-like workload with the native worker: sequential or random reads or writes of one block size, --jobs threads per node each keeping --iodepth requests in flight on its own file. The engine is usrbio (3FS\'s user-space rings, via libhf3fs_api_shared.so) on a 3FS mount, else io_uring (registered buffers, O_DIRECT), else psync; the result says which ran. Without -c it runs on this machine in a temp directory (or --dir); with -c on the client nodes in a directory on the 3FS mount, all nodes starting at the same instant, the aggregate summed over the seconds every node ran. Files are laid out before read tests and removed afterwards unless --keep.',
  )

  static override examples = [
    '<%= config.bin %> bench throughput --rw read --bs 1M --iodepth 32 --size 1G --runtime 10s',
    '<%= config.bin %> bench throughput --rw randread --bs 4k --iodepth 64 --jobs 4 --engine io_uring --json',
    '<%= config.bin %> bench throughput -c cluster.yml --rw read --bs 1MiB --iodepth 32 --jobs 4 --size 4GiB --runtime 30s',
  ]

  static override flags = {
    rw: Flags.string({description: 'Workload.', options: [...PATTERNS], default: 'read'}),
    bs: Flags.string({description: `Block size of each I/O. ${SIZE_UNITS_HELP}`, default: '1M'}),
    iodepth: Flags.integer({description: 'I/Os in flight per job.', default: 32, min: 1, max: 65536}),
    jobs: Flags.integer({description: 'Threads per node, each with its own file.', default: 1, min: 1, max: 1024}),
    size: Flags.string({description: `File size per job (and bytes per job for size-based runs). ${SIZE_UNITS_HELP}`, default: '1G'}),
    runtime: Flags.string({description: 'Run for this long (e.g. 10s) instead of moving --size bytes per job.'}),
    engine: Flags.string({description: 'I/O engine.', options: [...ENGINES], default: 'auto'}),
    direct: Flags.boolean({description: 'O_DIRECT (bypass the page cache).', default: true, allowNo: true}),
    'usrbio-lib': Flags.string({description: 'Path of libhf3fs_api_shared.so (else THREEFS_USRBIO_LIB or the usual 3FS locations).'}),
    mount: Flags.string({description: '3FS mount root for usrbio (default: the cluster\'s hostMountpoint, or the root of the fuse.hf3fs mount holding --dir).'}),
    keep: Flags.boolean({description: 'Keep the test files.'}),
    ...targetFlags,
    ...resultFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(BenchThroughput)
    const cluster = await loadOptionalCluster(flags.config)
    const blockSize = parseSize(flags.bs, '--bs', {min: 1})
    const size = parseSize(flags.size, '--size', {min: 1})
    const runtimeMs = flags.runtime === undefined ? 0 : parseDuration(flags.runtime, '--runtime')
    const target = await openTarget({cluster, nodes: splitList(flags.nodes), dir: flags.dir, purpose: 'throughput', signal: this.signal})
    const progress = new PhaseProgress(['run'] as const, {run: `${flags.rw} ${flags.bs} x ${flags.iodepth} deep x ${flags.jobs} jobs on ${target.nodes.length} node${target.nodes.length === 1 ? '' : 's'}`}, !this.jsonMode)
    let report: ThroughputReport
    let environment: Promise<Environment> | undefined
    try {
      const {collectEnvironment} = await import('../../bench/results/environment.js')
      // Probed while the bench runs: it costs the run's wall time nothing.
      environment = collectEnvironment(target, {cliVersion: this.config.version, threeFsVersion: threeFsImage(cluster), signal: this.signal})
      report = await progress.around(async () => {
        progress.phaseStarted('run')
        const started = performance.now()
        const result = await runThroughput(target, {
          rw: flags.rw as Pattern,
          blockSize,
          iodepth: flags.iodepth,
          jobs: flags.jobs,
          size,
          runtimeMs,
          direct: flags.direct,
          engine: flags.engine as EngineChoice,
          usrbioLibrary: flags['usrbio-lib'],
          mountPoint: flags.mount ?? cluster?.config.services.client?.hostMountpoint,
          keep: flags.keep,
          signal: this.signal,
        }, progress.progress)
        progress.phaseFinished('run', (performance.now() - started) / 1000)
        return result
      })
    } finally {
      // Also after a failure or Ctrl-C: the run's own marked directory goes, nothing else.
      if (!flags.keep) await target.removeRunDir()
      this.leftoverNote(target.leftover)
      await environment?.catch(() => undefined)
      await target.close()
    }
    const {throughputResult} = await import('../../bench/results/build.js')
    const {recordResult} = await import('../../bench/results/record.js')
    const saved = await recordResult(throughputResult(report, {argv: this.argv, environment: await environment!, parameters: {engineChoice: flags.engine}}), {out: flags.out, html: flags.html})
    this.emit({...report, resultFile: saved.path, htmlFile: saved.html}, () => `${renderReport(report)}\n${savedNote(saved)}`)
  }
}

function renderReport(report: ThroughputReport): string {
  const row = (name: string, entry: {engine?: string; bandwidthMiBps: number; iops: number; latencyUs: {p50: number; p99: number; p999: number}}) => [
    name,
    entry.engine ?? report.engine,
    entry.bandwidthMiBps.toFixed(1),
    Math.round(entry.iops).toLocaleString('en-US'),
    entry.latencyUs.p50.toFixed(0),
    entry.latencyUs.p99.toFixed(0),
    entry.latencyUs.p999.toFixed(0),
  ]
  const rows = report.nodes.map((node) => row(node.node, node))
  if (report.nodes.length > 1) rows.push(row(color.bold('aggregate'), report.aggregate))
  const w = report.workload
  const lines = [
    `${w.rw} ${formatBytes(w.blockSize)} blocks, depth ${w.iodepth}, ${w.jobs} job${w.jobs === 1 ? '' : 's'} per node, ${formatBytes(w.size)} per job, ${w.direct ? 'direct' : 'buffered'}`,
    renderTable(['node', 'engine', 'MiB/s', 'IOPS', 'p50 us', 'p99 us', 'p99.9 us'], rows),
  ]
  if (report.nodes.length > 1) lines.push(`aggregate over the ${report.aggregate.windowSeconds} s every node ran; sum of per-node results: ${report.aggregate.sumOfNodesMiBps.toFixed(1)} MiB/s`)
  for (const node of report.nodes) if (node.engineNote) lines.push(color.yellow(`${node.node}: ${node.engineNote}`))
  return lines.join('\n')
}
