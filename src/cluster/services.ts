/**
 * Where each 3FS service lives on a node, as m3fs lays it out (so clusters it deployed are found by
 * status, and clusters we deploy look the same to its users): container names, the storage data
 * directories, admin_cli inside the mgmtd container.
 */
import type {Cluster} from '../config/model.js'
import {SERVICE_NAMES, type ServiceName} from '../config/schema.js'

const DEFAULT_CONTAINERS: Record<ServiceName, string> = {
  fdb: '3fs-fdb',
  clickhouse: '3fs-clickhouse',
  monitor: '3fs-monitor',
  mgmtd: '3fs-mgmtd',
  meta: '3fs-meta',
  storage: '3fs-storage',
  client: '3fs-client',
  postgresql: '3fs-postgres',
  grafana: '3fs-grafana',
}

export function containerName(cluster: Cluster, service: ServiceName): string {
  return cluster.config.services[service]?.containerName ?? DEFAULT_CONTAINERS[service]
}

/** One directory per data disk: the disk labelled 3fs-data-<i> is mounted at data<i> (diskType nvme). */
export function storageDataDirs(cluster: Cluster): string[] {
  const count = cluster.config.services.storage?.diskNumPerNode ?? 1
  return Array.from({length: count}, (_, index) => `${cluster.config.workDir}/storage/3fsdata/data${index}`)
}

/** Paths inside the 3FS image. */
export const IMAGE_BIN_DIR = '/opt/3fs/bin'
export const IMAGE_ETC_DIR = '/opt/3fs/etc'

/** argv that runs one admin_cli command inside the mgmtd container (admin_cli needs the cluster's RDMA network). */
export function adminCliArgv(runtime: string, mgmtdContainer: string, command: string[]): string[] {
  return [runtime, 'exec', mgmtdContainer, `${IMAGE_BIN_DIR}/admin_cli`, '-cfg', `${IMAGE_ETC_DIR}/admin_cli.toml`, '--', ...command]
}

/** The services of a node, in deploy order. */
export function servicesOf(cluster: Cluster, node: string): ServiceName[] {
  return SERVICE_NAMES.filter((service) => cluster.services[service].includes(node))
}
