import {Flags} from '@oclif/core'

import {clusterJsonSchema} from '../../config/json-schema.js'
import {writeSchemaFile} from '../../config/write-schema.js'
import {BaseCommand, withExitCodes} from '../../ui/base-command.js'

export default class ConfigSchema extends BaseCommand {
  static override summary = 'Print the JSON Schema of cluster.yml, for editor completion and checks.'
  static override description = withExitCodes(
    'Prints the JSON Schema (draft 2020-12) that describes cluster.yml. With the YAML language server, add `# yaml-language-server: $schema=./cluster.schema.json` at the top of cluster.yml.',
  )

  static override examples = ['<%= config.bin %> config schema --output cluster.schema.json']

  static override flags = {
    output: Flags.string({
      char: 'o',
      description: 'Write the schema to this file instead of stdout (a new file, or an earlier schema it replaces).',
    }),
    force: Flags.boolean({
      description: 'Replace --output even when it is not an earlier cluster.yml schema.',
      dependsOn: ['output'],
    }),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(ConfigSchema)
    const schema = clusterJsonSchema()
    const text = `${JSON.stringify(schema, null, 2)}\n`
    if (flags.output) {
      await writeSchemaFile(flags.output, text, flags.force)
      this.emit({file: flags.output}, () => `Wrote ${flags.output}`)
    } else {
      process.stdout.write(text)
    }
  }
}
