/**
 * The one table of the ports a cluster's services bind on their nodes, read from cluster.yml (the defaults
 * are in config/schema.ts). config/semantic.ts checks it for two services sharing a port on a node;
 * deploy's preflight checks that nothing else listens there.
 */
import type {Cluster} from '../config/model.js'
import type {ClusterFile, ServiceName} from '../config/schema.js'

export interface PortBinding {
  service: ServiceName
  /** The cluster.yml key under services.<service> that sets the port. */
  key: string
  port: number
}

/** Every (service, key) that binds a port on the nodes of that service. */
export function boundPorts(config: ClusterFile): PortBinding[] {
  const s = config.services
  const out: PortBinding[] = []
  const add = (service: ServiceName, key: string, port: number | undefined) => {
    if (port !== undefined) out.push({service, key, port})
  }
  add('fdb', 'port', s.fdb?.port)
  add('clickhouse', 'tcpPort', s.clickhouse?.tcpPort)
  add('monitor', 'port', s.monitor?.port)
  add('mgmtd', 'rdmaListenPort', s.mgmtd?.rdmaListenPort)
  add('mgmtd', 'tcpListenPort', s.mgmtd?.tcpListenPort)
  add('meta', 'rdmaListenPort', s.meta?.rdmaListenPort)
  add('meta', 'tcpListenPort', s.meta?.tcpListenPort)
  add('storage', 'rdmaListenPort', s.storage?.rdmaListenPort)
  add('storage', 'tcpListenPort', s.storage?.tcpListenPort)
  add('postgresql', 'port', s.postgresql?.port)
  add('grafana', 'port', s.grafana?.port)
  return out
}

/**
 * Services deploy does not start (m3fs's PostgreSQL): their ports are no deploy's concern. Grafana is
 * started (services/grafana.ts, host network, GF_SERVER_HTTP_PORT), so its port is checked like the others.
 */
const NOT_DEPLOYED: readonly ServiceName[] = ['postgresql']

/** Ports a service that deploy starts listens on, from cluster.yml. */
export function portsOf(cluster: Cluster, service: ServiceName): number[] {
  if (NOT_DEPLOYED.includes(service)) return []
  return boundPorts(cluster.config)
    .filter((binding) => binding.service === service)
    .map((binding) => binding.port)
}
