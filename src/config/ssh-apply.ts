/**
 * Looks every node (and every ProxyJump hop in front of it) up in the OpenSSH client config, the way
 * `ssh NODE` would: cluster.yml's `host` is the name matched against Host/Match, its HostName, Port and
 * User become the node's address unless cluster.yml states them. The rest (keys, jumps, host-key and
 * timeout settings) is kept on the node for the remote layer (src/config/reach.ts), which merges it with
 * cluster.yml and flags.
 */
import {existsSync} from 'node:fs'
import {userInfo} from 'node:os'
import {dirname, isAbsolute, join, resolve} from 'node:path'

import {UsageError} from '../errors.js'
import {parseSshConfig, resolveSshConfig} from './ssh-config.js'
import type {ClusterNode, HostSshConfig} from './model.js'
import {expandHome} from './semantic.js'
import {homeDirectory} from './home.js'

/** The SSH config file to read: ssh.configFile (relative to cluster.yml), else ~/.ssh/config if it exists. */
export function sshConfigPath(configFile: string | undefined, clusterFile: string): string | undefined {
  if (configFile === 'none') return undefined
  if (configFile !== undefined) {
    const expanded = expandHome(configFile)
    return isAbsolute(expanded) ? expanded : resolve(dirname(clusterFile), expanded)
  }
  const fallback = join(homeDirectory(), '.ssh', 'config')
  return existsSync(fallback) ? fallback : undefined
}

/**
 * Sets each node's host/port/username from the SSH config where cluster.yml is silent and records the
 * SSH config's view of the node. A bad SSH config line is an error naming its file:line and the node.
 */
export function applySshConfig(nodes: ClusterNode[], file: string | undefined): void {
  const blocks = file === undefined ? undefined : parseSshConfig(file)
  const localUser = userInfo().username
  for (const node of nodes) {
    if (blocks === undefined) {
      if (!node.given.username) node.username = localUser
      continue
    }
    try {
      const resolved = resolveSshConfig(blocks, node.alias)
      const jumps: HostSshConfig[] = resolved.proxyJump.map((hop) => ({
        alias: hop.host,
        resolved: resolveSshConfig(blocks, hop.host),
        hop: {user: hop.user, port: hop.port, source: resolved.sources.proxyJump ?? file!},
      }))
      node.sshConfig = {alias: node.alias, resolved, jumps}
      node.host = resolved.hostName
      if (!node.given.port && resolved.port !== undefined) node.port = resolved.port
      if (!node.given.username) node.username = resolved.user ?? localUser
    } catch (error) {
      if (error instanceof UsageError) throw new UsageError(`node ${node.name}: ${error.message}`, {next: error.next})
      throw error
    }
  }
}
