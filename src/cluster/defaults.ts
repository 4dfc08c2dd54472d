/**
 * Defaults every part (config, deploy, status, bench, duckdb) must agree on, so a value written by one is found
 * by the others.
 */
import type {Cluster} from '../config/model.js'

/** Where the 3FS FUSE client is mounted on client nodes unless services.client.hostMountpoint says otherwise. */
export const DEFAULT_MOUNTPOINT = '/3fs'

/** The container engine deploy and status drive unless --runtime says otherwise. */
export const DEFAULT_RUNTIME = 'docker'

/** Where `duckdb install` puts the duckdb-3fs command (and where verify and graysort look for it). */
export const DEFAULT_DUCKDB_BIN_DIR = '/usr/local/bin'

/** The client mount point of a cluster. */
export function clusterMountpoint(cluster: Cluster): string {
  return cluster.config.services.client?.hostMountpoint ?? DEFAULT_MOUNTPOINT
}
