import {Flags} from '@oclif/core'

import {DEFAULT_BIN_DIR} from '../../duckdb/install.js'
import {verifyDuckdb} from '../../duckdb/verify.js'
import {ExitCode} from '../../exit-codes.js'
import {BaseCommand, withExitCodes} from '../../ui/base-command.js'
import {configFlag, interactivePoolOptions, loadClusterWithSshFlags, splitList, sshFlags} from '../../ui/config-flag.js'
import {renderVerify} from '../../ui/duckdb/render.js'

export default class DuckdbVerify extends BaseCommand {
  static override summary =
    'Prove on every client node that the installed DuckDB reads and writes the 3FS mount through the extension.'
  static override description = withExitCodes(
    'Runs duckdb-3fs on each client node: COPY a generated table TO a Parquet file under the mount, read it back through 3fs://... (served by the extension through usrbio) and through the plain mount path, and compare row counts and checksums with the generated data. Reports per node the time of each step and removes what it wrote. Exit 1 when a node fails.',
  )

  static override examples = [
    '<%= config.bin %> duckdb verify -c cluster.yml',
    '<%= config.bin %> duckdb verify -c cluster.yml --rows 10000000 --json',
  ]

  static override flags = {
    config: configFlag,
    nodes: Flags.string({description: 'Comma-separated nodes (default: the client nodes).'}),
    rows: Flags.integer({description: 'Rows written and read back.', default: 1_000_000, min: 1}),
    'bin-dir': Flags.string({
      description: 'Where duckdb install put the duckdb-3fs command.',
      default: DEFAULT_BIN_DIR,
    }),
    plan: Flags.boolean({description: 'Print the steps and change nothing.'}),
    ...sshFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(DuckdbVerify)
    const cluster = await loadClusterWithSshFlags(flags)
    const result = await verifyDuckdb({
      cluster,
      nodes: splitList(flags.nodes),
      rows: flags.rows,
      plan: flags.plan,
      binDir: flags['bin-dir'],
      pool: interactivePoolOptions(),
      concurrency: flags.concurrency,
      signal: this.signal,
    })
    this.emit(result, () => renderVerify(result))
    if (!result.ok) this.exit(ExitCode.Failure)
  }
}
