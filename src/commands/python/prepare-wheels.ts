import {Flags} from '@oclif/core'

import {prepareWheels} from '../../python/prepare-wheels.js'
import {BaseCommand, withExitCodes} from '../../ui/base-command.js'

export default class PythonPrepareWheels extends BaseCommand {
  static override summary =
    'Download the wheels and all their dependencies into a wheelhouse, for python install --wheelhouse on clusters without a package index.'
  static override description = withExitCodes(
    'Runs pip download on this machine (which must reach the index) for the DuckDB and smallpond-3fs wheels, so the directory holds them and every dependency, with a SHA256SUMS file. Use --platform and --python-version when the nodes differ from this machine.',
  )

  static override examples = [
    '<%= config.bin %> python prepare-wheels --out wheelhouse --duckdb-wheel duckdb.whl --smallpond-wheel smallpond.whl --platform manylinux2014_x86_64 --python-version 3.10',
  ]

  static override flags = {
    out: Flags.string({description: 'Wheelhouse directory to fill.', required: true}),
    'duckdb-wheel': Flags.string({description: 'DuckDB wheel of the duckdb-3fs build.', required: true}),
    'smallpond-wheel': Flags.string({description: 'smallpond-3fs wheel.', required: true}),
    python: Flags.string({description: 'Interpreter whose pip downloads.', default: 'python3'}),
    platform: Flags.string({description: 'pip --platform of the nodes, e.g. manylinux2014_x86_64 (binaries only).'}),
    'python-version': Flags.string({description: 'pip --python-version of the nodes, e.g. 3.10.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(PythonPrepareWheels)
    const result = await prepareWheels({
      out: flags.out,
      wheels: [flags['duckdb-wheel'], flags['smallpond-wheel']],
      python: flags.python,
      platform: flags.platform,
      pythonVersion: flags['python-version'],
      signal: this.signal,
    })
    this.emit(result, () =>
      [
        ...result.files.map((file) => `${file.sha256.slice(0, 12)}  ${file.name}`),
        `${result.files.length} file(s) in ${result.out}; next: 3fs-cli python install -c cluster.yml --wheelhouse ${result.out} ...`,
      ].join('\n'),
    )
  }
}
