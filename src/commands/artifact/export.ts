import {Flags} from '@oclif/core'

import {exportArtifact} from '../../deploy/artifact.js'
import {formatBytes} from '../../bench/size.js'
import {BaseCommand, withExitCodes} from '../../ui/base-command.js'
import {configFlag, interactivePoolOptions, loadClusterWithSshFlags, sshFlags} from '../../ui/config-flag.js'

export default class ArtifactExport extends BaseCommand {
  static override summary =
    "Save the cluster's images (3FS, FoundationDB, ClickHouse) into one tarball for offline deploys."
  static override description = withExitCodes(
    'Pulls what is missing and runs `docker save` on this machine (or on --node). `3fs-cli deploy --artifact FILE` then uploads the tarball to every node and loads it instead of pulling.',
  )
  static override examples = ['<%= config.bin %> artifact export -c cluster.yml --output 3fs-images.tar']

  static override flags = {
    config: configFlag,
    output: Flags.string({char: 'o', description: 'Tarball to write.', default: '3fs-images.tar'}),
    node: Flags.string({description: 'Export on this node (the tarball stays there) instead of this machine.'}),
    runtime: Flags.string({description: 'Container engine command.', default: 'docker'}),
    ...sshFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(ArtifactExport)
    const cluster = await loadClusterWithSshFlags(flags)
    const result = await exportArtifact({
      cluster,
      output: flags.output,
      runtime: flags.runtime,
      node: flags.node,
      pool: interactivePoolOptions(),
      signal: this.signal,
    })
    this.emit(
      result,
      () =>
        `${result.images.length} images (${result.images.join(', ')}) saved to ${result.where}:${result.output}, ${formatBytes(result.bytes)}, sha256 ${result.sha256}`,
    )
  }
}
