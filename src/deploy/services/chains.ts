/**
 * The root user and its token, targets, chains and the chain table, then a wait until every chain
 * serves. Commands that need the token read it from a 0600 admin_cli config on the admin node, never
 * from a command line.
 */
import {shellQuote} from '../../remote/shell.js'
import {chainsCsv, chainTableCsv, createTargetCommands, type ChainTable} from '../chain-table.js'
import type {ChainGeneration} from '../layout.js'
import type {DeployContext} from '../context.js'
import {action, type Action} from '../model.js'
import {adminCliBatchCommand, adminCliCommand, waitForAdminCli, writeFile} from './common.js'

export function chainActions(context: DeployContext): Action[] {
  const storage = context.cluster.config.services.storage!
  const admin = context.adminNode.name
  const etc = context.paths.etc('mgmtd')
  const generations = context.layout.chainGenerations
  const total = generations.reduce((sum, entry) => sum + entry.table.chains.length, 0)
  const actions: Action[] = [
    action({
      id: `${admin}:mgmtd:user-add-root`,
      node: admin,
      service: 'mgmtd',
      kind: 'admin-cli',
      description: 'user-add --root --admin 0 root (token kept in a 0600 file on the admin node)',
      // A cluster whose FoundationDB outlived a destroy (data kept) has its root user already, and user-add
      // answers 999(Unknown) "user 0 existed"; the token kept beside the admin config is that user's, so it is
      // printed in user-add's form (AdminUserCtrl.cc:53) and captured as a new one would be.
      command: `t=$(cat ${shellQuote(context.paths.token)} 2>/dev/null); if [ -n "$t" ]; then printf 'Token  %s(Expired at N/A)\\n' "$t"; else ${adminCliCommand(context, 'user-add --root --admin 0 root')}; fi`,
      adminCli: true,
      captureToken: {
        tokenFile: context.paths.token,
        adminConfig: context.paths.adminRootConfig,
        adminConfigBase: context.paths.adminConfig,
      },
    }),
  ]
  let upTo: ChainTable = {targets: [], chains: []}
  for (const generation of generations) {
    upTo = {
      targets: [...upTo.targets, ...generation.table.targets],
      chains: [...upTo.chains, ...generation.table.chains],
    }
    actions.push(...generationActions(context, generation, upTo, storage.replicationFactor, admin, etc))
  }
  // Every chain listed and none of them anything but SERVING (m3fs #123: UNAVAILABLE while storage starts).
  actions.push(
    waitForAdminCli(
      context,
      'mgmtd',
      'chains-serving',
      `wait until all ${total} chains are SERVING`,
      {kind: 'chains-serving', atLeast: total},
      600_000,
    ),
  )
  return actions
}

/**
 * One generation: its targets, its chains (upload-chains takes only the new ones) and a version of chain
 * table 1 listing every chain so far. upload-chain-table of a different list makes the next version
 * (SetChainTableOperation.cc:53-60 at ee9a5ce), so the first deploy makes version 1 and each added set of
 * storage nodes one more. The first generation keeps the action ids and files of a first deploy, so
 * clusters deployed before generations existed see those actions as applied.
 */
function generationActions(
  context: DeployContext,
  generation: ChainGeneration,
  upTo: ChainTable,
  rf: number,
  admin: string,
  etc: string,
): Action[] {
  const first = generation.version === 1
  const suffix = first ? '' : `-v${generation.version}`
  const table = generation.table
  const added = first
    ? ''
    : ` (${table.chains.length} new on storage node${generation.nodeIds.length === 1 ? '' : 's'} ${generation.nodeIds.join(', ')})`
  return [
    writeFile(admin, 'mgmtd', `${etc}/chains${suffix}.csv`, chainsCsv(table), {
      description: `write chains${suffix}.csv (${table.chains.length} chains x ${rf} replicas)`,
    }),
    writeFile(admin, 'mgmtd', `${etc}/chain-table${suffix}.csv`, chainTableCsv(upTo), {
      description: first ? 'write chain-table.csv' : `write chain-table${suffix}.csv (${upTo.chains.length} chains)`,
    }),
    action({
      id: `${admin}:mgmtd:create-targets${suffix}`,
      node: admin,
      service: 'mgmtd',
      kind: 'admin-cli',
      description: `create ${table.targets.length} targets${added}`,
      command: adminCliBatchCommand(context),
      stdin: `${createTargetCommands(table).join('\n')}\n`,
      adminCli: true,
    }),
    action({
      id: `${admin}:mgmtd:upload-chains${suffix}`,
      node: admin,
      service: 'mgmtd',
      kind: 'admin-cli',
      description: `upload-chains (${table.chains.length}${first ? '' : ' new'} chains)`,
      command: adminCliCommand(context, `upload-chains /opt/3fs/etc/chains${suffix}.csv`, true),
      adminCli: true,
    }),
    action({
      id: `${admin}:mgmtd:upload-chain-table${suffix}`,
      node: admin,
      service: 'mgmtd',
      kind: 'admin-cli',
      description: first
        ? 'upload-chain-table 1'
        : `upload-chain-table 1, version ${generation.version}: the ${upTo.chains.length - table.chains.length} chains of version ${generation.version - 1} unchanged plus ${table.chains.length} new`,
      command: adminCliCommand(
        context,
        `upload-chain-table --desc ${shellQuote(`replication-${rf}`)} 1 /opt/3fs/etc/chain-table${suffix}.csv`,
        true,
      ),
      adminCli: true,
    }),
  ]
}
