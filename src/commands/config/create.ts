import {Flags} from '@oclif/core'

import {createConfig} from '../../config/create.js'
import {BaseCommand, withExitCodes} from '../../ui/base-command.js'
import {color} from '../../ui/colors.js'

export default class ConfigCreate extends BaseCommand {
  static override summary = 'Render a commented cluster.yml (m3fs-compatible, mounted at /3fs).'
  static override description = withExitCodes(
    'Writes a cluster.yml from the template: the given nodes run storage and the fuse client, the first node runs mgmtd, meta, monitor and ClickHouse, and FoundationDB runs on one or three nodes. The file is checked with the same rules as `config validate` before it is written, and an existing file is never overwritten without --force.',
  )

  static override examples = [
    '<%= config.bin %> config create --nodes 10.0.0.1,10.0.0.2,10.0.0.3',
    '<%= config.bin %> config create --name prod --nodes a=10.0.0.1,b=10.0.0.2 --registry registry.local:5000 --file prod.yml',
  ]

  static override flags = {
    name: Flags.string({description: 'Cluster name.', default: '3fs'}),
    file: Flags.string({char: 'f', description: 'Where to write the file.', default: 'cluster.yml'}),
    nodes: Flags.string({
      description: 'Comma-separated hosts, each HOST or NAME=HOST (default: 127.0.0.1).',
      default: '',
    }),
    username: Flags.string({description: 'SSH user for every node.', default: 'root'}),
    registry: Flags.string({description: 'Image registry prefix (empty: Docker Hub).', default: ''}),
    force: Flags.boolean({description: 'Overwrite an existing file.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(ConfigCreate)
    const result = await createConfig({
      name: flags.name,
      file: flags.file,
      nodes: flags.nodes
        .split(',')
        .map((node) => node.trim())
        .filter(Boolean),
      username: flags.username,
      registry: flags.registry,
      force: flags.force,
    })
    this.emit(result, () =>
      [
        `${color.green('Wrote')} ${result.file}: ${result.nodes.length} node${result.nodes.length === 1 ? '' : 's'}, replicationFactor ${result.replicationFactor}, stripeSize ${result.stripeSize}, mount /3fs.`,
        ...result.warnings.map((warning) => `${color.yellow('Warning:')} ${warning}`),
        `Next: review it, then \`3fs-cli config validate -c ${result.file}\`.`,
      ].join('\n'),
    )
  }
}
