import {Flags} from '@oclif/core'

import {probeEngines} from '../../bench/engines.js'
import {BaseCommand, withExitCodes} from '../../ui/base-command.js'
import {renderEngines} from '../../ui/bench/engines.js'

export default class BenchEngines extends BaseCommand {
  static override summary = 'Check which I/O engines (usrbio, io_uring, psync) work here, and which one auto picks.'
  static override description = withExitCodes(
    "Writes a known pattern through each engine into a small file and reads it back through a fresh engine, checking every byte (in the native addon, off the main thread). auto picks usrbio exactly when --dir is on a 3FS mount (fstype fuse.hf3fs, or the library's hf3fs_is_hf3fs), finding the mount root itself. For usrbio, point --dir at a directory on the 3FS mount and give the library with --usrbio-lib (or THREEFS_USRBIO_LIB) when it is not in the usual places; the reason an engine cannot run is shown.",
  )

  static override examples = [
    '<%= config.bin %> bench engines',
    '<%= config.bin %> bench engines --dir /3fs/tmp --usrbio-lib /opt/3fs/lib/libhf3fs_api_shared.so',
  ]

  static override flags = {
    dir: Flags.string({description: 'Directory to test in (default: a temp directory).'}),
    mount: Flags.string({
      description: '3FS mount root, for usrbio (default: the root of the fuse.hf3fs mount holding --dir).',
    }),
    'usrbio-lib': Flags.string({description: 'Path of libhf3fs_api_shared.so.'}),
    direct: Flags.boolean({description: 'Use O_DIRECT.', default: true, allowNo: true}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(BenchEngines)
    const report = await probeEngines({
      dir: flags.dir,
      mountPoint: flags.mount,
      usrbioLibrary: flags['usrbio-lib'],
      direct: flags.direct,
    })
    this.emit(report, () => renderEngines(report))
  }
}
