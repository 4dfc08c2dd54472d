import {loadClusterFile} from '../../config/loader.js'
import {formatProblem} from '../../config/problems.js'
import {BaseCommand, withExitCodes} from '../../ui/base-command.js'
import {color} from '../../ui/colors.js'
import {configFlag} from '../../ui/config-flag.js'
import {summarizeCluster} from '../../config/summary.js'
import {reachReport, type ReachReport} from '../../config/reach.js'

export default class ConfigValidate extends BaseCommand {
  static override summary = 'Check a cluster.yml strictly, without touching any node.'
  static override description = withExitCodes(
    'Runs the checks every command runs before it does anything: YAML syntax, the strict schema (unknown keys are errors, with a suggestion), and cluster rules: unique nodes and hosts, service references, node group ranges, port clashes per host, replication factor and stripe size against the storage layout, and safe paths. Every problem is reported with file:line:column and its key path. With -v, shows for every node (and each bastion in front of it) how it is reached and where each setting came from: cluster.yml, the SSH config (file:line) or the default.',
  )

  static override examples = [
    '<%= config.bin %> config validate',
    '<%= config.bin %> config validate -c prod.yml --json',
    '<%= config.bin %> config validate -v',
  ]

  static override flags = {config: configFlag}

  async run(): Promise<void> {
    const {flags} = await this.parse(ConfigValidate)
    const cluster = await loadClusterFile(flags.config)
    const summary = summarizeCluster(cluster)
    // -v: how each node is reached and where each setting came from (cluster.yml, SSH config file:line, default).
    const reach: Record<string, ReachReport> | undefined = flags.verbose
      ? Object.fromEntries(cluster.nodes.map((node) => [node.name, reachReport(node, cluster.ssh)]))
      : undefined
    this.emit(
      {
        valid: true,
        ...summary,
        warnings: cluster.warnings,
        ...(reach ? {sshConfig: cluster.ssh.configFile ?? null, reach} : {}),
      },
      () =>
        [
          `${color.green('Valid:')} ${cluster.file} (cluster "${cluster.name}", ${summary.nodes} nodes)`,
          ...Object.entries(summary.services).map(
            ([service, count]) => `  ${service.padEnd(11)} ${count} node${count === 1 ? '' : 's'}`,
          ),
          `  chains      ${summary.chains} (replicationFactor ${summary.replicationFactor}, stripeSize ${summary.stripeSize})`,
          ...cluster.warnings.map((warning) => `${color.yellow('Warning:')} ${formatProblem(warning)}`),
          ...(reach ? reachLines(reach, cluster.ssh.configFile) : []),
        ].join('\n'),
    )
  }
}

function settingLines(settings: Omit<ReachReport, 'jumps'>, indent: string): string[] {
  return Object.entries(settings).map(([key, {value, from}]) => {
    const shown = Array.isArray(value) ? value.join(', ') || '(defaults)' : String(value)
    return `${indent}${key.padEnd(20)} ${shown}  ${color.dim(`(${from})`)}`
  })
}

function reachLines(reach: Record<string, ReachReport>, sshConfig: string | undefined): string[] {
  const lines = [`SSH config: ${sshConfig ?? 'none read'}`]
  for (const [node, {jumps, ...settings}] of Object.entries(reach)) {
    lines.push(`  ${node}`, ...settingLines(settings, '    '))
    for (const {alias, ...hop} of jumps) lines.push(`    via bastion ${alias}`, ...settingLines(hop, '      '))
  }
  return lines
}
