import {Flags} from '@oclif/core'

import {DEFAULT_BIN_DIR, installDuckdb} from '../../duckdb/install.js'
import {ExitCode} from '../../exit-codes.js'
import {parseSize, SIZE_UNITS_HELP} from '../../bench/size.js'
import {BaseCommand, withExitCodes} from '../../ui/base-command.js'
import {configFlag, interactivePoolOptions, loadClusterWithSshFlags, splitList, sshFlags} from '../../ui/config-flag.js'
import {renderInstall} from '../../ui/duckdb/render.js'

export default class DuckdbInstall extends BaseCommand {
  static override summary =
    'Ship a duckdb-3fs build to the client nodes: CLI, extension, 3FS library, Python package, an init file, a duckdb-3fs command.'
  static override description = withExitCodes(
    'Installs the DuckDB CLI into <workDir>/duckdb/bin, the extension into ~/.duckdb/extensions/<version>/<platform>/ of the login user (where that DuckDB version looks), libhf3fs_api_shared.so into <workDir>/duckdb/lib registered with ldconfig, the Python wheel (when built) with pip, an init file that loads threefs and sets threefs_mount_root to the cluster\'s mount (not the extension\'s "/" default) with the iov and ring settings, and /usr/local/bin/duckdb-3fs. Refuses a build whose extension was made for another DuckDB version than its CLI. Unchanged files are not sent again.',
  )

  static override examples = [
    '<%= config.bin %> duckdb install -c cluster.yml',
    '<%= config.bin %> duckdb install -c cluster.yml --iov-size 16KiB --plan',
  ]

  static override flags = {
    config: configFlag,
    nodes: Flags.string({description: 'Comma-separated nodes (default: the client nodes).'}),
    artifacts: Flags.string({description: 'Build directory (default: the latest duckdb build).'}),
    'mount-root': Flags.string({
      description: "threefs_mount_root (default: the cluster's hostMountpoint with a trailing slash).",
    }),
    'iov-size': Flags.string({
      description: `threefs_iov_size (smallpond uses 16KiB). ${SIZE_UNITS_HELP}`,
      default: '1MiB',
    }),
    'ior-entries': Flags.integer({description: 'threefs_ior_entries.', default: 1024, min: 1}),
    // The extension reads threefs_io_depth as a size_t: a negative value would wrap to a huge depth.
    'io-depth': Flags.integer({description: 'threefs_io_depth (0: as soon as possible).', default: 0, min: 0}),
    'bin-dir': Flags.string({description: 'Directory for the duckdb-3fs command.', default: DEFAULT_BIN_DIR}),
    ldconfig: Flags.boolean({
      description: 'Register the 3FS library with the dynamic loader (ld.so.conf.d), so Python finds it too.',
      default: true,
      allowNo: true,
    }),
    plan: Flags.boolean({description: 'Print the steps per node and change nothing.'}),
    ...sshFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(DuckdbInstall)
    const cluster = await loadClusterWithSshFlags(flags)
    const result = await installDuckdb({
      cluster,
      nodes: splitList(flags.nodes),
      artifacts: flags.artifacts,
      settings: {
        mountRoot: flags['mount-root'],
        iovSize: parseSize(flags['iov-size'], '--iov-size'),
        iorEntries: flags['ior-entries'],
        ioDepth: flags['io-depth'],
      },
      plan: flags.plan,
      binDir: flags['bin-dir'],
      ldconfig: flags.ldconfig,
      pool: interactivePoolOptions(),
      concurrency: flags.concurrency,
      signal: this.signal,
    })
    this.emit(result, () => renderInstall(result))
    if (result.nodes.some((node) => !node.ok)) this.exit(ExitCode.Failure)
  }
}
