import {Args, Flags} from '@oclif/core'

import {ExitCode} from '../exit-codes.js'
import {uploadToNodes} from '../nodes/upload.js'
import {BaseCommand, withExitCodes} from '../ui/base-command.js'
import {configFlag, interactivePoolOptions, loadClusterWithSshFlags, splitList, sshFlags} from '../ui/config-flag.js'
import {renderUpload} from '../ui/upload/render.js'

export default class Upload extends BaseCommand {
  static override summary = 'Copy a local file or directory to the same path on cluster nodes.'
  static override description = withExitCodes(
    'Each node receives the content into a temporary file beside the target, checks its SHA-256 and renames it into place, so a broken transfer never leaves a partial file. Nodes that already hold identical content are skipped. As with cp, a file whose TARGET is an existing directory on a node goes inside it under its own name (upload app.conf /opt/3fs/etc puts /opt/3fs/etc/app.conf); the path used is in the result (nodes[].path). A directory replaces an earlier upload of itself, but never a directory that 3fs-cli did not write. The source must be a regular file or directory (not a FIFO or device); TARGET must be absolute, not / and free of control characters (newline, tab), and is checked before anything is sent.',
  )

  static override examples = [
    '<%= config.bin %> upload ./fio.conf /opt/3fs/etc/fio.conf',
    '<%= config.bin %> upload --service client --sudo --mode 0755 ./tool /usr/local/bin/tool',
  ]

  static override args = {
    source: Args.string({description: 'Local file or directory.', required: true}),
    target: Args.string({
      description: 'Absolute path on the nodes: the file to write, or an existing directory to put it in (as cp does).',
      required: true,
    }),
  }

  static override flags = {
    config: configFlag,
    nodes: Flags.string({description: 'Comma-separated node names (or hosts).'}),
    service: Flags.string({description: 'Upload to the nodes of this service.'}),
    sudo: Flags.boolean({description: 'Write as root through sudo.'}),
    mode: Flags.string({description: 'File mode (octal) for a file upload.', default: '0644'}),
    ...sshFlags,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Upload)
    const cluster = await loadClusterWithSshFlags(flags)
    const report = await uploadToNodes({
      cluster,
      source: args.source,
      target: args.target,
      nodes: splitList(flags.nodes),
      service: flags.service,
      sudo: flags.sudo,
      mode: flags.mode,
      concurrency: flags.concurrency,
      signal: this.signal,
      pool: interactivePoolOptions(),
    })
    this.emit(report, () => renderUpload(report))
    if (report.summary.unreachable > 0) this.exit(ExitCode.Unreachable)
    if (report.summary.failed > 0) this.exit(ExitCode.Failure)
  }
}
