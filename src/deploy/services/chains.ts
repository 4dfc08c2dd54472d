/**
 * The root user and its token, targets, chains and the chain table, then a wait until every chain
 * serves. Commands that need the token read it from a 0600 admin_cli config on the admin node, never
 * from a command line.
 */
import {shellQuote} from '../../remote/shell.js'
import {chainsCsv, chainTableCsv, createTargetCommands, generateChainTable} from '../chain-table.js'
import type {DeployContext} from '../context.js'
import {action, type Action} from '../model.js'
import {adminCliBatchCommand, adminCliCommand, waitFor, writeFile} from './common.js'

export function chainActions(context: DeployContext): Action[] {
  const storage = context.cluster.config.services.storage!
  const admin = context.adminNode.name
  const etc = context.paths.etc('mgmtd')
  const table = generateChainTable({
    nodeIds: [...context.nodeIds.storage.values()],
    disksPerNode: storage.diskNumPerNode,
    targetsPerDisk: storage.targetNumPerDisk,
    replicationFactor: storage.replicationFactor,
    targetIdPrefix: storage.targetIDPrefix,
    chainIdPrefix: storage.chainIDPrefix,
  })
  const createTargets = `${createTargetCommands(table).join('\n')}\n`
  return [
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
      captureToken: {tokenFile: context.paths.token, adminConfig: context.paths.adminRootConfig, adminConfigBase: context.paths.adminConfig},
    }),
    writeFile(admin, 'mgmtd', `${etc}/chains.csv`, chainsCsv(table), {description: `write chains.csv (${table.chains.length} chains x ${storage.replicationFactor} replicas)`}),
    writeFile(admin, 'mgmtd', `${etc}/chain-table.csv`, chainTableCsv(table), {description: 'write chain-table.csv'}),
    action({
      id: `${admin}:mgmtd:create-targets`,
      node: admin,
      service: 'mgmtd',
      kind: 'admin-cli',
      description: `create ${table.targets.length} targets`,
      command: adminCliBatchCommand(context),
      stdin: createTargets,
      adminCli: true,
    }),
    action({id: `${admin}:mgmtd:upload-chains`, node: admin, service: 'mgmtd', kind: 'admin-cli', description: `upload-chains (${table.chains.length} chains)`, command: adminCliCommand(context, 'upload-chains /opt/3fs/etc/chains.csv', true), adminCli: true}),
    action({
      id: `${admin}:mgmtd:upload-chain-table`,
      node: admin,
      service: 'mgmtd',
      kind: 'admin-cli',
      description: 'upload-chain-table 1',
      command: adminCliCommand(context, `upload-chain-table --desc ${shellQuote(`replication-${storage.replicationFactor}`)} 1 /opt/3fs/etc/chain-table.csv`, true),
      adminCli: true,
    }),
    // Every chain listed and none of them anything but SERVING (m3fs #123: UNAVAILABLE while storage starts).
    waitFor(admin, 'mgmtd', 'chains-serving', `wait until all ${table.chains.length} chains are SERVING`, adminCliCommand(context, 'list-chains'), `^(?![\\s\\S]*(UNAVAILABLE|SYNCING|SERVING\\(|Encounter error))(?=[\\s\\S]*^ChainId)(?:[\\s\\S]*?^\\s*\\d+\\s.*SERVING){${table.chains.length}}`, 600_000),
  ]
}
