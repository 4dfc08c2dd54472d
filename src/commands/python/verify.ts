import {Flags} from '@oclif/core'

import {ExitCode} from '../../exit-codes.js'
import {verifyPython} from '../../python/verify.js'
import {BaseCommand, withExitCodes} from '../../ui/base-command.js'
import {configFlag, interactivePoolOptions, loadClusterWithSshFlags, splitList, sshFlags} from '../../ui/config-flag.js'
import {renderPythonVerify} from '../../ui/python/render.js'

export default class PythonVerify extends BaseCommand {
  static override summary =
    'Prove on every client node that Python DuckDB with the extension and smallpond read and write the 3FS mount.'
  static override description = withExitCodes(
    'Runs in the venv of python install, with data it generates: DuckDB (LOAD threefs) writes Parquet to 3fs://..., reads it back through 3fs:// and the mount path, copies it through the mount path; then smallpond read_parquet -> repartition(hash_by) -> partial_sql -> write_parquet, compared with the same query in DuckDB. Per node verdict and timings; the files are removed. Exit 1 when a node fails.',
  )

  static override examples = [
    '<%= config.bin %> python verify -c cluster.yml',
    '<%= config.bin %> python verify -c cluster.yml --rows 1000000 --json',
  ]

  static override flags = {
    config: configFlag,
    nodes: Flags.string({description: 'Comma-separated nodes (default: the client nodes).'}),
    venv: Flags.string({
      description: "Path of the venv on the nodes (default: cluster.yml's python.venv, else <workDir>/python/venv).",
    }),
    rows: Flags.integer({description: 'Rows generated.', default: 100_000, min: 1}),
    partitions: Flags.integer({description: 'smallpond hash partitions.', default: 3, min: 1}),
    plan: Flags.boolean({description: 'Print the steps and change nothing.'}),
    ...sshFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(PythonVerify)
    const cluster = await loadClusterWithSshFlags(flags)
    const result = await verifyPython({
      cluster,
      nodes: splitList(flags.nodes),
      venv: flags.venv,
      rows: flags.rows,
      partitions: flags.partitions,
      plan: flags.plan,
      pool: interactivePoolOptions(),
      concurrency: flags.concurrency,
      signal: this.signal,
    })
    this.emit(result, () => renderPythonVerify(result))
    if (!result.ok) this.exit(ExitCode.Failure)
  }
}
