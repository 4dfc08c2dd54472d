import {Flags} from '@oclif/core'

import {sortJob} from '../../../bench/graysort/jobs.js'
import {SHUFFLE_CHOICES, type ShuffleChoice} from '../../../bench/graysort/plan.js'
import {parseSize, SIZE_UNITS_HELP} from '../../../bench/size.js'
import type {EngineChoice} from '../../../bench/throughput/service.js'
import {BaseCommand, withExitCodes} from '../../../ui/base-command.js'
import {loadOptionalCluster, splitList, targetFlags} from '../../../ui/bench-flags.js'
import {graysortProgress, renderSort} from '../../../ui/bench/graysort.js'
import {resultFlags, savedNote} from '../../../ui/bench/result-flags.js'

export default class GraysortSort extends BaseCommand {
  static override summary = 'Sort gensort files into one sorted file per partition (part-NNNNN.dat).'
  static override description = withExitCodes(
    'Sorts existing 100-byte-record files (from gensort or `bench graysort gen`) with the native two-pass sort. --input is a file or a directory whose *.dat files are the input. Concatenating the output partitions in name order gives the sorted data; check it with `bench graysort validate DIR`.',
  )

  static override examples = [
    '<%= config.bin %> bench graysort sort --input input.dat --output sorted/',
    '<%= config.bin %> bench graysort sort -c cluster.yml --input /3fs/graysort/input --output /3fs/graysort/output',
  ]

  static override flags = {
    input: Flags.string({char: 'i', description: 'Input file, or directory of .dat files.', required: true}),
    output: Flags.string({char: 'o', description: 'Output directory for part-NNNNN.dat files.', required: true}),
    partitions: Flags.integer({
      description: 'Number of output partitions (default: from size, nodes and memory).',
      min: 1,
    }),
    shuffle: Flags.string({
      description:
        'Between map and reduce: memory (one node that holds the data twice), files (any size), or auto (one node whose memory holds the data: memory, unless the node is a VM that gives freed memory back to its host, where every new page is a host fault).',
      options: [...SHUFFLE_CHOICES],
      default: 'auto',
    }),
    memory: Flags.string({description: `Memory each worker may use (default: 60% of available). ${SIZE_UNITS_HELP}`}),
    keep: Flags.boolean({description: 'Keep intermediate (map) files.'}),
    engine: Flags.string({
      description: "I/O engine for the sort's data (auto: usrbio on a 3FS mount, else io_uring, else psync).",
      options: ['auto', 'usrbio', 'io_uring', 'psync'],
      default: 'auto',
    }),
    'usrbio-lib': Flags.string({
      description: 'Path of libhf3fs_api_shared.so on the nodes (else THREEFS_USRBIO_LIB or the usual 3FS locations).',
    }),
    mount: Flags.string({description: "3FS mount point, for usrbio (default: the cluster's hostMountpoint)."}),
    ...targetFlags,
    ...resultFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(GraysortSort)
    const cluster = await loadOptionalCluster(flags.config)
    const {result, output, nodes, saved} = await sortJob(
      {
        cluster,
        nodes: splitList(flags.nodes),
        dir: flags.dir,
        input: flags.input,
        output: flags.output,
        partitions: flags.partitions,
        shuffle: flags.shuffle as ShuffleChoice,
        memoryBytes: flags.memory ? parseSize(flags.memory, '--memory') : undefined,
        keep: flags.keep,
        engine: flags.engine as EngineChoice,
        usrbioLibrary: flags['usrbio-lib'],
        mountPoint: flags.mount,
        cliVersion: this.config.version,
        save: {argv: this.argv, out: flags.out, html: flags.html},
        signal: this.signal,
        onLeftover: (command: string) => this.leftoverNote(command),
      },
      () => graysortProgress(!this.jsonMode, ['sample', 'map', 'reduce']),
    )
    this.emit(
      {
        ...result,
        outputs: undefined,
        outputDir: output,
        files: result.outputs.length,
        resultFile: saved.path,
        htmlFile: saved.html,
      },
      () => `${renderSort(result, output, nodes.length)}\n${savedNote(saved)}`,
    )
  }
}
