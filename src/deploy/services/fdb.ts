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
    actions.push(
      run(
        node.name,
        'fdb',
        'mkdir',
        `create ${dir}/data and logs`,
        `mkdir -p ${shellQuote(`${dir}/data`)} ${shellQuote(`${dir}/logs`)}`,
        'mkdir',
      ),
    )
    actions.push(
      run(
        node.name,
        'fdb',
        'start',
        `start ${context.containers.fdb}`,
        startContainerCommand(context, {
          service: 'fdb',
          image: context.images.fdb,
          volumes: [
            [`${dir}/data`, '/var/fdb/data'],
            [`${dir}/logs`, '/var/fdb/logs'],
          ],
          // No FDB_NETWORKING_MODE=host: under it the image's fdb.bash advertises 127.0.0.1, which the
          // cluster file (the node addresses) does not name, so a multi-node database never forms.
          // m3fs passes only the cluster file contents (m3fs pkg/fdb/steps.go:87-89).
          options: ['-e', `FDB_CLUSTER_FILE_CONTENTS=${context.fdbClusterFile}`, '-e', `FDB_PORT=${port}`],
        }),
        'start-container',
      ),
    )
  }
  const first = nodes[0]!.name
  const fdbcli = (command: string) =>
    `${shellQuote(context.runtime)} exec ${shellQuote(context.containers.fdb)} fdbcli --timeout 10 --exec ${shellQuote(command)}`
  // The coordinators may not all be up yet when the first node asks: tried up to 10 times, 3 s apart (m3fs
  // retries its step likewise). "Database already exists" means an earlier run configured it: fine on a resume.
  const mode = redundancyMode(nodes.length)
  const configure = [
    'i=0',
    'while :; do',
    `  out=$(${fdbcli(`configure new ${mode} ssd`)} 2>&1); rc=$?`,
    // Success is what fdbcli prints, not its exit code alone: it can exit 0 after printing an ERROR line.
    '  case "$out" in *"Database created"*|*"already exists"*) echo "$out"; exit 0;; esac',
    '  i=$((i + 1)); [ $i -lt 10 ] || { echo "$out"; [ $rc = 0 ] && rc=1; exit $rc; }',
    '  sleep 3',
    'done',
  ].join('\n')
  actions.push(
    barrier(run(first, 'fdb', 'configure', `configure new ${mode} ssd`, configure)),
    waitFor(
      first,
      'fdb',
      'available',
      'wait until the database is available',
      fdbcli('status minimal'),
      'The database is available',
      300_000,
    ),
  )
  return actions
}
