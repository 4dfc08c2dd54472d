import {Flags} from '@oclif/core'

import {parseSize, SIZE_UNITS_HELP} from '../../bench/size.js'
import {throughputJob} from '../../bench/throughput/job.js'
import {ENGINES, PATTERNS, type EngineChoice, type Pattern} from '../../bench/throughput/service.js'
import {BaseCommand, withExitCodes} from '../../ui/base-command.js'
import {loadOptionalCluster, splitList, targetFlags} from '../../ui/bench-flags.js'
import {resultFlags, savedNote} from '../../ui/bench/result-flags.js'
import {renderThroughput} from '../../ui/bench/throughput.js'
import {parseDuration} from '../../ui/duration.js'
import {PhaseProgress} from '../../ui/phase-progress.js'

export default class BenchThroughput extends BaseCommand {
  static override summary = 'Measure read/write throughput, IOPS and latency through usrbio, io_uring or psync.'
  static override description = withExitCodes(
    "Runs a fio-like workload with the native worker: sequential or random reads or writes of one block size, --jobs threads per node each keeping --iodepth requests in flight on its own file. The engine is usrbio (3FS's user-space rings, via libhf3fs_api_shared.so) on a 3FS mount, else io_uring (registered buffers, O_DIRECT), else psync; the result says which ran. Without -c it runs on this machine in a temp directory (or --dir); with -c on the client nodes in a directory on the 3FS mount, all nodes starting at the same instant, the aggregate summed over the seconds every node ran. Files are laid out before read tests and removed afterwards unless --keep.",
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
    size: Flags.string({
      description: `File size per job (and bytes per job for size-based runs). ${SIZE_UNITS_HELP}`,
      default: '1G',
    }),
    runtime: Flags.string({description: 'Run for this long (e.g. 10s) instead of moving --size bytes per job.'}),
    engine: Flags.string({description: 'I/O engine.', options: [...ENGINES], default: 'auto'}),
    direct: Flags.boolean({description: 'O_DIRECT (bypass the page cache).', default: true, allowNo: true}),
    'usrbio-lib': Flags.string({
      description: 'Path of libhf3fs_api_shared.so (else THREEFS_USRBIO_LIB or the usual 3FS locations).',
    }),
    mount: Flags.string({
      description:
        "3FS mount root for usrbio (default: the cluster's hostMountpoint, or the root of the fuse.hf3fs mount holding --dir).",
    }),
    keep: Flags.boolean({description: 'Keep the test files.'}),
    ...targetFlags,
    ...resultFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(BenchThroughput)
    const cluster = await loadOptionalCluster(flags.config)
    const {report, saved} = await throughputJob(
      {
        cluster,
        nodes: splitList(flags.nodes),
        dir: flags.dir,
        rw: flags.rw as Pattern,
        blockSize: parseSize(flags.bs, '--bs', {min: 1}),
        iodepth: flags.iodepth,
        jobs: flags.jobs,
        size: parseSize(flags.size, '--size', {min: 1}),
        runtimeMs: flags.runtime === undefined ? 0 : parseDuration(flags.runtime, '--runtime'),
        direct: flags.direct,
        engine: flags.engine as EngineChoice,
        usrbioLibrary: flags['usrbio-lib'],
        mountPoint: flags.mount,
        keep: flags.keep,
        cliVersion: this.config.version,
        save: {argv: this.argv, out: flags.out, html: flags.html},
        signal: this.signal,
        onLeftover: (command: string) => this.leftoverNote(command),
      },
      (nodes) =>
        new PhaseProgress(
          ['run'] as const,
          {
            run: `${flags.rw} ${flags.bs} x ${flags.iodepth} deep x ${flags.jobs} jobs on ${nodes} node${nodes === 1 ? '' : 's'}`,
          },
          !this.jsonMode,
        ),
    )
    this.emit(
      {...report, resultFile: saved.path, htmlFile: saved.html},
      () => `${renderThroughput(report)}\n${savedNote(saved)}`,
    )
  }
}
