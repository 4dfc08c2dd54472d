/**
 * Where each 3FS service lives on a node, as m3fs lays it out (so clusters it deployed are found by
 * status, and clusters we deploy look the same to its users): container names, the storage data
 * directories, the image's paths.
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

/**
 * m3fs's layout on a node (m3fs pkg/task/steps/3fs_steps.go getConfigDir and the run volumes): each 3FS
 * service keeps its configs in <workDir>/<service>/config.d, mounted at /opt/3fs/etc, and its logs in
 * <workDir>/<service>/log, mounted at /var/log/3fs (where 3FS's shipped files log).
 */
export function serviceConfigDir(workDir: string, service: ServiceName): string {
  return `${workDir}/${service}/config.d`
}

export function serviceLogDir(workDir: string, service: ServiceName): string {
  return `${workDir}/${service}/log`
}

/** Where storage targets live inside the storage container: a 3fs directory on each data disk (m3fs makeTargetPaths). */
export function storageTargetPaths(cluster: Cluster): string[] {
  const count = cluster.config.services.storage?.diskNumPerNode ?? 1
  return Array.from({length: count}, (_, index) => `${STORAGE_DATA_IN_CONTAINER}/data${index}/3fs`)
}

/** The host's <workDir>/storage/3fsdata is mounted here in the storage container. */
export const STORAGE_DATA_IN_CONTAINER = '/mnt/3fsdata'

/** Paths inside the 3FS image. */
export const IMAGE_BIN_DIR = '/opt/3fs/bin'
export const IMAGE_ETC_DIR = '/opt/3fs/etc'

/** The services of a node, in deploy order. */
export function servicesOf(cluster: Cluster, node: string): ServiceName[] {
  return SERVICE_NAMES.filter((service) => cluster.services[service].includes(node))
}
