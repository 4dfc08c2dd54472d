import {Flags} from '@oclif/core'

import {DEFAULT_DUCKDB_BIN_DIR} from '../../../cluster/defaults.js'
import {planJob, runJob} from '../../../bench/graysort/jobs.js'
import {rejectSkewMode} from '../../../bench/graysort/modes.js'
import {checkRecords} from '../../../bench/graysort/start.js'
import {RECORD_BYTES, SHUFFLE_CHOICES, type ShuffleChoice} from '../../../bench/graysort/plan.js'
import {parseSize, SIZE_UNITS_HELP} from '../../../bench/size.js'
import type {EngineChoice} from '../../../bench/throughput/service.js'
import {UsageError} from '../../../errors.js'
import {ExitCode} from '../../../exit-codes.js'
import {BaseCommand, withExitCodes} from '../../../ui/base-command.js'
import {loadOptionalCluster, splitList, targetFlags} from '../../../ui/bench-flags.js'
import {graysortProgress, renderPlan, renderRunReport} from '../../../ui/bench/graysort.js'
import {resultFlags, savedNote} from '../../../ui/bench/result-flags.js'

export default class GraysortRun extends BaseCommand {
  static override summary = 'Generate, sort and validate GraySort data: the whole benchmark in one command.'
  static override description = withExitCodes(
    "Generates gensort-identical records on every node in parallel, sorts them with the native two-pass sort (map: range-partition by sampled splitters; reduce: sort each partition into its own file) and validates the output as valsort does, requiring the output record count and checksum to equal the input's. Without -c it runs on this machine in a temporary directory. Exit code 1 when the verdict is FAIL.",
  )

  static override examples = [
    '<%= config.bin %> bench graysort run --size 1GiB',
    '<%= config.bin %> bench graysort run -c cluster.yml --size 1TiB',
    '<%= config.bin %> bench graysort run --plan --size 110.5TiB --plan-nodes 50 --memory 512GiB --cores 64',
  ]

  static override flags = {
    size: Flags.string({
      description: `Amount of data in 100-byte records, e.g. 1G, 110.5TiB, or 100GB (10^9 records, as sortbenchmark.org counts). ${SIZE_UNITS_HELP}`,
      exclusive: ['records'],
    }),
    records: Flags.integer({description: 'Number of 100-byte records.', min: 1, exclusive: ['size']}),
    mode: Flags.string({
      description:
        'Record format (gensort default binary, or -a ascii); skew (gensort -s) is not available, see --help.',
      options: ['binary', 'ascii', 'skew'],
      default: 'binary',
    }),
    partitions: Flags.integer({
      description: 'Number of output partitions (default: from data size, nodes and memory).',
      min: 1,
    }),
    shuffle: Flags.string({
      description:
        'Between map and reduce: memory (one node that holds the data twice), files (any size), or auto (one node whose memory holds the data: memory, unless the node is a VM that gives freed memory back to its host, where every new page is a host fault).',
      options: [...SHUFFLE_CHOICES],
      default: 'auto',
    }),
    memory: Flags.string({
      description: `Memory each node's worker may use (default: 60% of available). ${SIZE_UNITS_HELP}`,
    }),
    keep: Flags.boolean({description: 'Keep input, intermediate and output files.'}),
    engine: Flags.string({
      description: "I/O engine for the sort's data (auto: usrbio on a 3FS mount, else io_uring, else psync).",
      options: ['auto', 'usrbio', 'io_uring', 'psync'],
      default: 'auto',
    }),
    'usrbio-lib': Flags.string({
      description: 'Path of libhf3fs_api_shared.so on the nodes (else THREEFS_USRBIO_LIB or the usual 3FS locations).',
    }),
    mount: Flags.string({description: "3FS mount point, for usrbio (default: the cluster's hostMountpoint)."}),
    plan: Flags.boolean({description: 'Print the plan (partitions, memory, files per node) and run nothing.'}),
    'plan-nodes': Flags.integer({
      description: 'With --plan: plan for this many nodes instead of the real ones.',
      min: 1,
      dependsOn: ['plan'],
    }),
    cores: Flags.integer({description: 'With --plan: cores per node to plan for.', min: 1, dependsOn: ['plan']}),
    ...targetFlags,
    impl: Flags.string({
      description:
        "Sorter: native (the two-pass sort of the worker) or duckdb (DuckDB sorts the records in gensort's ASCII form with read_csv, ORDER BY and COPY into the same number of key-range files: on this machine through @duckdb/node-api; with -c every node runs the duckdb-3fs command that `duckdb install` put there, over 3fs:// paths). Both are checked by the same validator.",
      options: ['native', 'duckdb'],
      default: 'native',
    }),
    'duckdb-bin-dir': Flags.string({
      description:
        'With --impl duckdb and -c: the directory holding duckdb-3fs on the nodes (duckdb install --bin-dir).',
      default: DEFAULT_DUCKDB_BIN_DIR,
    }),
    ...resultFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(GraysortRun)
    rejectSkewMode(flags.mode)
    if (flags.size === undefined && flags.records === undefined)
      throw new UsageError('give the amount of data with --size or --records', {
        next: 'For example: 3fs-cli bench graysort run --size 1GiB',
      })
    const records =
      flags.records === undefined
        ? Math.floor(parseSize(flags.size!, '--size', {min: RECORD_BYTES}) / RECORD_BYTES)
        : checkRecords(flags.records)
    const memoryBytes = flags.memory === undefined ? undefined : parseSize(flags.memory, '--memory')
    const cluster = await loadOptionalCluster(flags.config)
    const where = {
      cluster,
      nodes: splitList(flags.nodes),
      dir: flags.dir,
      signal: this.signal,
      onLeftover: (command: string) => this.leftoverNote(command),
    }
    const shuffle = flags.shuffle as ShuffleChoice

    if (flags.plan) {
      // With -c the plan uses the chosen nodes' cores and memory (probed, read-only), not this machine's.
      const plan = await planJob({
        ...where,
        records,
        planNodes: flags['plan-nodes'],
        cores: flags.cores,
        memoryBytes,
        partitions: flags.partitions,
        shuffle,
      })
      this.emit(plan, () => renderPlan(plan))
      return
    }

    const {report, saved} = await runJob(
      {
        ...where,
        records,
        mode: flags.mode as 'binary' | 'ascii',
        impl: flags.impl as 'native' | 'duckdb',
        duckdbBinDir: flags['duckdb-bin-dir'],
        partitions: flags.partitions,
        shuffle,
        memoryBytes,
        keep: flags.keep,
        engine: flags.engine as EngineChoice,
        usrbioLibrary: flags['usrbio-lib'],
        mountPoint: flags.mount,
        cliVersion: this.config.version,
        save: {argv: this.argv, out: flags.out, html: flags.html},
      },
      () => graysortProgress(!this.jsonMode),
    )
    this.emit(
      {...report, resultFile: saved.path, htmlFile: saved.html},
      () => `${renderRunReport(report)}\n${savedNote(saved)}`,
    )
    if (report.verdict !== 'PASS') this.exit(ExitCode.Failure)
  }
}
