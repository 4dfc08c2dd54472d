/** FoundationDB: one container per fdb node, the database configured once, then waited for. */
import {nodesOf} from '../../config/model.js'
import {shellQuote} from '../../remote/shell.js'
import type {DeployContext} from '../context.js'
import {barrier, type Action} from '../model.js'
import {run, startContainerCommand, waitFor} from './common.js'

/** single for 1-2 nodes, double for 3-4, triple from 5 (it tolerates two failures). */
export function redundancyMode(nodes: number): 'single' | 'double' | 'triple' {
  return nodes >= 5 ? 'triple' : nodes >= 3 ? 'double' : 'single'
}

export function fdbActions(context: DeployContext): Action[] {
  const nodes = nodesOf(context.cluster, 'fdb')
  if (nodes.length === 0) return []
  const port = context.cluster.config.services.fdb?.port ?? 4500
  const dir = `${context.workDir}/fdb`
  const actions: Action[] = []
  for (const node of nodes) {
    actions.push(run(node.name, 'fdb', 'mkdir', `create ${dir}/data and logs`, `mkdir -p ${shellQuote(`${dir}/data`)} ${shellQuote(`${dir}/logs`)}`, 'mkdir'))
    actions.push(
      run(
        node.name,
        'fdb',
        'start',
        `start ${context.containers.fdb}`,
        startContainerCommand(context, {
          service: 'fdb',
          image: context.images.fdb,
          volumes: [[`${dir}/data`, '/var/fdb/data'], [`${dir}/logs`, '/var/fdb/logs']],
          options: ['-e', `FDB_CLUSTER_FILE_CONTENTS=${context.fdbClusterFile}`, '-e', 'FDB_NETWORKING_MODE=host', '-e', `FDB_PORT=${port}`],
        }),
        'start-container',
      ),
    )
  }
  const first = nodes[0]!.name
  const fdbcli = (command: string) => `${shellQuote(context.runtime)} exec ${shellQuote(context.containers.fdb)} fdbcli --timeout 10 --exec ${shellQuote(command)}`
  // "Database already exists" means an earlier run configured it: fine on a resume.
  actions.push(
    barrier(run(first, 'fdb', 'configure', `configure new ${redundancyMode(nodes.length)} ssd`, `out=$(${fdbcli(`configure new ${redundancyMode(nodes.length)} ssd`)} 2>&1); rc=$?; echo "$out"; case "$out" in *"already exists"*) exit 0;; esac; exit $rc`)),
    waitFor(first, 'fdb', 'available', 'wait until the database is available', fdbcli('status minimal'), 'The database is available', 300_000),
  )
  return actions
}
