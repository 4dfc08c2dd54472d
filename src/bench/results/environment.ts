/** What a fair comparison needs to know about where a bench ran: per node kernel, CPU, memory, and mount. */
import {existsSync} from 'node:fs'
import {availableParallelism, cpus, release, totalmem} from 'node:os'
import {dirname, resolve} from 'node:path'

import {fanOut} from '../../remote/fanout.js'
import type {Host} from '../../remote/host.js'
import {shellQuote} from '../../remote/shell.js'
import type {BenchTarget} from '../target.js'
import type {Environment, HostEnvironment} from './model.js'

export interface EnvironmentOptions {
  cliVersion: string
  /** The 3FS image (repo:tag) of the cluster, when the run is on a cluster. */
  threeFsVersion?: string
  signal?: AbortSignal
}

/** One shell round trip per node; a node whose probe fails is listed with its name only. */
export async function collectEnvironment(target: BenchTarget, options: EnvironmentOptions): Promise<Environment> {
  const outcomes = await fanOut(
    target.nodes,
    async (node, signal) => {
      if (target.local) return localEnvironment(node.name, target.dir, node.host, signal)
      const result = await node.host.run(probeScript(target.dir), {signal, timeoutMs: 15_000})
      return parseProbe(node.name, result.stdout)
    },
    {concurrency: Math.max(1, target.nodes.length), signal: options.signal},
  )
  const hosts: HostEnvironment[] = outcomes.map((outcome, index) =>
    outcome.ok ? outcome.value : {node: target.nodes[index]!.name},
  )
  const onThreeFs = hosts.find((host) => host.mount?.fstype.includes('hf3fs'))
  return {
    cliVersion: options.cliVersion,
    nodeVersion: process.version,
    hosts,
    threeFs: onThreeFs?.mount ? {mount: onThreeFs.mount.target, version: options.threeFsVersion} : undefined,
  }
}

/**
 * This machine's figures from Node (the same sources as the shell probe: uname -r, the CPUs this process
 * may use as nproc counts them, MemTotal, the first CPU's model name) and one findmnt: the probe's six
 * processes ran beside the bench's start on a 2-core machine.
 */
async function localEnvironment(name: string, dir: string, host: Host, signal?: AbortSignal): Promise<HostEnvironment> {
  let existing = resolve(dir)
  while (!existsSync(existing) && existing !== '/') existing = dirname(existing)
  const mount = await host.run(['findmnt', '-n', '-o', 'TARGET,SOURCE,FSTYPE', '-T', existing], {
    signal,
    timeoutMs: 15_000,
  })
  return parseProbe(
    name,
    [
      `kernel=${release()}`,
      `cores=${availableParallelism()}`,
      `mem=${totalmem()}`,
      `cpu=${cpus()[0]?.model ?? ''}`,
      `mount=${mount.exitCode === 0 ? (mount.stdout.split('\n')[0] ?? '') : ''}`,
    ].join('\n'),
  )
}

/** The shell probe run on each node (exported for the test that holds it to this machine's own figures). */
export function probeScript(dir: string): string {
  return [
    `d=${shellQuote(dir)}; while [ ! -e "$d" ] && [ "$d" != / ]; do d=$(dirname "$d"); done`,
    'echo "kernel=$(uname -r)"',
    'echo "cores=$(nproc 2>/dev/null)"',
    // printf, not print: awk prints a number above 2^31 with %.6g (25276166144 came out as 25276200000).
    'echo "mem=$(awk \'/^MemTotal:/ {printf "%.0f", $2 * 1024}\' /proc/meminfo 2>/dev/null)"',
    'echo "cpu=$(awk -F": " \'/^model name/ {print $2; exit}\' /proc/cpuinfo 2>/dev/null)"',
    'echo "mount=$(findmnt -n -o TARGET,SOURCE,FSTYPE -T "$d" 2>/dev/null | head -1)"',
  ].join('\n')
}

export function parseProbe(node: string, stdout: string): HostEnvironment {
  const values = new Map<string, string>()
  for (const line of stdout.split('\n')) {
    const at = line.indexOf('=')
    if (at > 0) values.set(line.slice(0, at), line.slice(at + 1).trim())
  }
  const number = (key: string) => {
    const value = Number(values.get(key))
    return values.get(key) && Number.isFinite(value) ? value : undefined
  }
  const mountParts = (values.get('mount') ?? '').split(/\s+/).filter(Boolean)
  return {
    node,
    kernel: values.get('kernel') || undefined,
    cpu: values.get('cpu') || undefined,
    cores: number('cores'),
    memoryBytes: number('mem'),
    mount:
      mountParts.length >= 3 ? {target: mountParts[0]!, source: mountParts[1]!, fstype: mountParts[2]!} : undefined,
  }
}
