import {Flags} from '@oclif/core'

import {ExitCode} from '../../exit-codes.js'
import {verifyPython} from '../../python/verify.js'
import {BaseCommand, withExitCodes} from '../../ui/base-command.js'
import {color} from '../../ui/colors.js'
import {configFlag, interactivePoolOptions, loadClusterWithSshFlags, splitList, sshFlags} from '../../ui/config-flag.js'
import {renderTable} from '../../ui/table.js'

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
    const ms = (node: (typeof result.nodes)[number], key: string) =>
      node.ms?.[key] === undefined ? '-' : node.ms[key]!.toFixed(1)
    this.emit(result, () => {
      if (result.plan)
        return [
          `${color.bold('nodes')}: ${result.nodes.map((node) => node.node).join(', ')}`,
          ...(result.steps ?? []).map((step) => `  ${step}`),
        ].join('\n')
      return renderTable(
        ['node', 'result', 'write 3fs:// ms', 'read 3fs:// ms', 'read path ms', 'smallpond ms', 'total ms'],
        result.nodes.map((node) => [
          node.node,
          node.ok ? color.green('ok') : color.red(node.error ?? 'failed'),
          ms(node, 'write3fs'),
          ms(node, 'read3fs'),
          ms(node, 'readPath'),
          ms(node, 'smallpond'),
          node.totalMs ?? '-',
        ]),
      )
    })
    if (!result.ok) this.exit(ExitCode.Failure)
  }
}
