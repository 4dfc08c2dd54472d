/** Host preparation: directories, the fdb cluster file, kernel settings for storage, the mount point. */
import {servicesOf} from '../../cluster/services.js'
import {shellQuote} from '../../remote/shell.js'
import type {DeployContext} from '../context.js'
import type {Action} from '../model.js'
import {run, writeFile} from './common.js'

/** 3FS's deploy guide sets this for storage (async I/O contexts for many targets). */
export const AIO_MAX_NR = 67_108_864

export function hostActions(context: DeployContext): Action[] {
  const actions: Action[] = []
  for (const node of context.cluster.nodes) {
    const services = servicesOf(context.cluster, node.name).filter((service) => service !== 'postgresql' && service !== 'grafana')
    if (services.length === 0) continue
    const dirs = [context.paths.state, `${context.workDir}/etc`, ...services.flatMap((service) => [context.paths.etc(service), context.paths.log(service)])]
    actions.push(run(node.name, 'host', 'mkdir', `create ${context.workDir} directories`, `mkdir -p ${dirs.map(shellQuote).join(' ')}`, 'mkdir'))
    if (services.some((service) => ['fdb', 'mgmtd', 'meta', 'storage', 'client'].includes(service))) {
      actions.push(writeFile(node.name, 'host', context.paths.fdbClusterFile, `${context.fdbClusterFile}\n`, {description: 'write the FoundationDB cluster file'}))
    }
    if (services.includes('storage')) {
      actions.push(
        run(
          node.name,
          'host',
          'sysctl-aio',
          `fs.aio-max-nr = ${AIO_MAX_NR} (now and at boot)`,
          `printf 'fs.aio-max-nr = ${AIO_MAX_NR}\\n' > /etc/sysctl.d/90-3fs.conf && sysctl -q -w fs.aio-max-nr=${AIO_MAX_NR}`,
        ),
      )
    }
    if (services.includes('client')) {
      actions.push(run(node.name, 'host', 'mountpoint', `create the mount point ${context.mountpoint}`, `mkdir -p ${shellQuote(context.mountpoint)}`, 'mkdir'))
    }
  }
  return actions
}
