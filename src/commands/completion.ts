import {join} from 'node:path'

import {Args} from '@oclif/core'

import {BaseCommand, withExitCodes} from '../ui/base-command.js'

/**
 * The autocomplete plugin builds the completion functions, but its own setup lines put the path in a
 * variable named after the bin (`3FS_CLI_AC_BASH_SETUP_PATH=...`), which no shell accepts: a name cannot
 * start with a digit. This prints setup lines that point at the plugin's files directly.
 */
export default class Completion extends BaseCommand {
  static override summary = 'Print the lines that turn on shell completion of commands and flags (bash or zsh).'
  static override description = withExitCodes(
    "Builds the completion functions (oclif's autocomplete plugin, in the cache directory) and prints the lines to add to ~/.bashrc or ~/.zshrc. Run it again after upgrading 3fs-cli.",
  )

  static override examples = [
    '<%= config.bin %> completion bash >> ~/.bashrc',
    '<%= config.bin %> completion zsh >> ~/.zshrc',
  ]

  static override args = {
    shell: Args.string({description: 'Shell to complete in.', options: ['bash', 'zsh'], required: true}),
  }

  async run(): Promise<void> {
    const {args} = await this.parse(Completion)
    await this.config.runCommand('autocomplete', ['--refresh-cache'])
    const functions = join(this.config.cacheDir, 'autocomplete', 'functions')
    const quoted = (path: string) => `'${path.replace(/'/g, `'\\''`)}'`
    const lines =
      args.shell === 'bash'
        ? [`source ${quoted(join(functions, 'bash', `${this.config.bin}.bash`))}`]
        : [`fpath=(${quoted(join(functions, 'zsh'))} $fpath)`, 'autoload -Uz compinit && compinit']
    this.emit({shell: args.shell, lines}, () => [`# ${this.config.bin} completion`, ...lines].join('\n'))
  }
}
