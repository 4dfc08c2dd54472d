/**
 * Ports: a port counts as taken only where the service would bind it. 3FS's listeners bind the IPv4
 * address of every up NIC named for the network type, on the configured port (3FS ee9a5ce
 * src/common/net/Listener.cc:59-72), without SO_REUSEPORT by default (src/common/net/Listener.h:22), so a
 * listener on 127.0.0.1 or on another machine's address in a shared namespace is no clash, while one on
 * 0.0.0.0, :: or a NIC address is. FoundationDB's image listens on 0.0.0.0 (packaging/docker/fdb.bash) and
 * ClickHouse on :: and 0.0.0.0 (templates/clickhouse/3fs-ports.xml): any listener on their port clashes.
 * A port held by this cluster's own running container is the re-run case, not a clash.
 */
import {portsOf} from '../../../cluster/ports.js'
import type {ServiceName} from '../../../config/schema.js'
import {shellQuote} from '../../../remote/shell.js'
import type {PreflightRule} from '../model.js'
import {THREEFS_SERVICES} from '../model.js'
import {THREEFS_NIC} from './hardware.js'

export interface Listener {
  /** '*' for a wildcard (0.0.0.0, ::, *), else the address without brackets, zone or v4-mapped prefix. */
  address: string
  port: number
}

/** One local address of `ss -Hltn` ($4) or `netstat -ltn` ($4): 0.0.0.0:22, [::]:22, *:22, [::ffff:10.0.0.1]:80, 10.0.0.1%eth0:53, :::22. */
export function parseListener(local: string): Listener | undefined {
  const at = local.lastIndexOf(':')
  if (at < 0) return undefined
  const port = Number(local.slice(at + 1))
  if (!Number.isInteger(port) || port <= 0) return undefined
  let address = local
    .slice(0, at)
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '')
    .replace(/^::ffff:(?=\d+\.)/i, '')
  if (address === '' || address === '*' || address === '0.0.0.0' || address === '::' || address === ':') address = '*'
  return {address, port}
}

/** `ip -o -4 addr show up` lines ("2: eth0    inet 10.0.0.1/24 ...") as NIC name and address. */
export function parseNicAddresses(text: string): {nic: string; address: string}[] {
  const found: {nic: string; address: string}[] = []
  for (const line of text.split('\n')) {
    const match = /^\d+:\s+([^\s@]+)(?:@\S+)?\s+inet\s+([\d.]+)\//.exec(line.trim())
    if (match) found.push({nic: match[1]!, address: match[2]!})
  }
  return found
}

/** The listener that stops `service` from binding `port` on this node, if any. */
function blocker(
  service: ServiceName,
  port: number,
  listeners: Listener[],
  threefsAddresses: Set<string>,
): Listener | undefined {
  const onPort = listeners.filter((listener) => listener.port === port)
  if (!THREEFS_SERVICES.includes(service)) return onPort[0]
  return onPort.find((listener) => listener.address === '*' || threefsAddresses.has(listener.address))
}

export const portsRule: PreflightRule = {
  check: 'ports',
  appliesTo: () => true,
  probe: ({context}) => [
    `S containers; timeout 20 ${shellQuote(context.runtime)} ps --format '{{.Names}}' 2>/dev/null || true`,
    "S listeners; (ss -Hltn 2>/dev/null || netstat -ltn 2>/dev/null | tail -n +3) | awk '{print $4}'",
    'S addresses; ip -o -4 addr show up 2>/dev/null || true',
  ],
  judge: ({context, node, services, text}) => {
    const listeners = text('listeners')
      .split(/\s+/)
      .map(parseListener)
      .filter((listener): listener is Listener => listener !== undefined)
    const threefsAddresses = new Set([
      node.host,
      ...parseNicAddresses(text('addresses'))
        .filter(({nic}) => THREEFS_NIC.test(nic))
        .map(({address}) => address),
    ])
    const running = new Set(text('containers').split(/\s+/).filter(Boolean))
    const clashes: string[] = []
    for (const service of services) {
      if (running.has(context.containers[service])) continue
      for (const port of portsOf(context.cluster, service)) {
        const held = blocker(service, port, listeners, threefsAddresses)
        if (held) clashes.push(`${port} (${service}) on ${held.address === '*' ? 'every address' : held.address}`)
      }
    }
    return clashes.length === 0
      ? {check: 'ports', status: 'ok', detail: 'free'}
      : {
          check: 'ports',
          status: 'fail',
          detail: `in use by something else: ${clashes.join(', ')}`,
          fix: 'Stop what listens there (ss -ltnp shows it) or change the ports in cluster.yml.',
        }
  },
}
