import {Flags} from '@oclif/core'

import {ExitCode} from '../../exit-codes.js'
import {installPython} from '../../python/install.js'
import {DEFAULT_SMALLPOND_SOURCE} from '../../python/smallpond-build.js'
import {BaseCommand, withExitCodes} from '../../ui/base-command.js'
import {configFlag, interactivePoolOptions, loadClusterWithSshFlags, splitList, sshFlags} from '../../ui/config-flag.js'
import {renderPythonInstall} from '../../ui/python/render.js'

export default class PythonInstall extends BaseCommand {
  static override summary =
    'Install a Python virtual environment with the duckdb-3fs DuckDB wheel and the smallpond-3fs wheel on every client node.'
  static override description = withExitCodes(
    'Builds a new venv beside the current one (<venv>.releases/<stamp>), pip-installs the DuckDB wheel of the duckdb build and the smallpond-3fs wheel into it, checks that both import, and only then points <venv> at it with one atomic rename; a failed install leaves the previous environment in place. Dependencies come from the index each node reaches, or with --wheelhouse only from that directory (pip --no-index), for clusters without an index. Never touches the system site-packages.',
  )

  static override examples = [
    '<%= config.bin %> python install -c cluster.yml --smallpond-wheel dist/smallpond-0.15.0-py3-none-any.whl',
    '<%= config.bin %> python install -c cluster.yml --smallpond-wheel sp.whl --wheelhouse ./wheelhouse --plan',
    '<%= config.bin %> python install -c cluster.yml --smallpond-ref main',
  ]

  static override flags = {
    config: configFlag,
    nodes: Flags.string({description: 'Comma-separated nodes (default: the client nodes).'}),
    venv: Flags.string({
      description: "Path of the venv on the nodes (default: cluster.yml's python.venv, else <workDir>/python/venv).",
    }),
    artifacts: Flags.string({
      description: 'duckdb build directory whose Python wheel to install (default: the latest build).',
    }),
    'duckdb-wheel': Flags.string({description: 'DuckDB wheel file instead of the one of the duckdb build.'}),
    'smallpond-wheel': Flags.string({
      description: 'smallpond-3fs wheel file (python3 -m build in a smallpond-3fs checkout).',
      exactlyOne: ['smallpond-wheel', 'smallpond-ref'],
    }),
    'smallpond-ref': Flags.string({
      description:
        'Build the smallpond-3fs wheel at this branch, tag or commit on the build node, once: a re-run reuses the stored wheel while its checksum matches.',
      exactlyOne: ['smallpond-wheel', 'smallpond-ref'],
    }),
    'smallpond-source': Flags.string({
      description: `Git URL of smallpond-3fs for --smallpond-ref (default: ${DEFAULT_SMALLPOND_SOURCE}).`,
      dependsOn: ['smallpond-ref'],
    }),
    'build-node': Flags.string({
      description: 'Node that builds the smallpond wheel for --smallpond-ref (default: the first client node).',
      dependsOn: ['smallpond-ref'],
    }),
    wheelhouse: Flags.string({
      description:
        'Directory of dependency wheels (3fs-cli python prepare-wheels): install with --no-index from it only.',
    }),
    python: Flags.string({description: 'Interpreter on the nodes that creates the venv.', default: 'python3'}),
    plan: Flags.boolean({description: 'Print the steps and change nothing.'}),
    ...sshFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(PythonInstall)
    const cluster = await loadClusterWithSshFlags(flags)
    const result = await installPython({
      cluster,
      nodes: splitList(flags.nodes),
      venv: flags.venv,
      artifacts: flags.artifacts,
      duckdbWheel: flags['duckdb-wheel'],
      smallpondWheel: flags['smallpond-wheel'],
      smallpondRef: flags['smallpond-ref'],
      smallpondSource: flags['smallpond-source'],
      buildNode: flags['build-node'],
      wheelhouse: flags.wheelhouse,
      python: flags.python,
      plan: flags.plan,
      pool: interactivePoolOptions(),
      concurrency: flags.concurrency,
      signal: this.signal,
    })
    this.emit(result, () => renderPythonInstall(result))
    if (result.nodes.some((node) => !node.ok)) this.exit(ExitCode.Failure)
  }
}
