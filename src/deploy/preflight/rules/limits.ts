/**
 * Resource limits the 3FS containers are started with (services/common.ts threefsContainerOptions):
 * nofile 1048576 on every 3FS container and memlock unlimited on mgmtd, meta, storage and the client.
 * The engine's runtime sets them with setrlimit before the service starts; raising a hard limit needs
 * CAP_SYS_RESOURCE, and nofile may not exceed fs.nr_open. A node where root cannot raise them (an LXC or
 * otherwise confined node, or fs.nr_open lowered) and whose engine does not already run with them fails
 * at `docker run` ("error setting rlimit"), after the earlier services were started. So: ask the kernel
 * the same question as root, in a subshell, and read the engine's own limits.
 */
import type {ServiceName} from '../../../config/schema.js'
import type {CheckResult, PreflightRule} from '../model.js'
import {keyValues, runsThreefs} from '../model.js'

export const NOFILE = 1_048_576
const MEMLOCK_SERVICES: ServiceName[] = ['mgmtd', 'meta', 'storage', 'client']

/** Shell printing RAISE=ok|refused for `ulimit -H<flag> <value>` and ENGINE=<process> <hard limit from /proc/PID/limits>. */
function limitProbe(flag: string, value: string, limitsRow: string): string {
  return (
    `if (ulimit -H${flag} ${value}) 2>/dev/null; then echo RAISE=ok; else echo RAISE=refused; fi; ` +
    `for p in containerd dockerd podman; do pid=$(pidof -s $p 2>/dev/null) && { echo "ENGINE=$p $(awk '/^${limitsRow}/{print $(NF-1)}' /proc/$pid/limits)"; break; }; done; true`
  )
}

function engineLimit(facts: Record<string, string>): {process: string; hard: string} | undefined {
  const [process, hard] = (facts.ENGINE ?? '').split(/\s+/)
  return process && hard ? {process, hard} : undefined
}

export const nofileRule: PreflightRule = {
  check: 'nofile',
  appliesTo: ({services}) => runsThreefs(services),
  probe: () => [
    `S nofile; echo "NR_OPEN=$(cat /proc/sys/fs/nr_open)"; ${limitProbe('n', String(NOFILE), 'Max open files')}`,
  ],
  judge: ({text}): CheckResult => {
    const facts = keyValues(text('nofile'))
    const engine = engineLimit(facts)
    const engineHas = engine !== undefined && (engine.hard === 'unlimited' || Number(engine.hard) >= NOFILE)
    if (facts.RAISE === 'ok')
      return {check: 'nofile', status: 'ok', detail: `root can set nofile ${NOFILE} (fs.nr_open ${facts.NR_OPEN})`}
    if (engineHas)
      return {check: 'nofile', status: 'ok', detail: `${engine.process} already runs with nofile ${engine.hard}`}
    const nrOpen = Number(facts.NR_OPEN)
    const why =
      Number.isFinite(nrOpen) && nrOpen < NOFILE
        ? `fs.nr_open is ${nrOpen}`
        : 'setrlimit is refused to root (no CAP_SYS_RESOURCE: a container or LXC node?)'
    return {
      check: 'nofile',
      status: 'fail',
      detail: `3FS containers start with --ulimit nofile=${NOFILE}, which this node cannot give: ${why}${engine ? `, and ${engine.process} runs with ${engine.hard}` : ''}`,
      fix:
        Number.isFinite(nrOpen) && nrOpen < NOFILE
          ? `sysctl -w fs.nr_open=${NOFILE} (and in /etc/sysctl.d/)`
          : 'Run the container engine with LimitNOFILE=1048576 (systemctl edit containerd docker), or give the node CAP_SYS_RESOURCE.',
    }
  },
}

export const memlockRule: PreflightRule = {
  check: 'memlock',
  appliesTo: ({services}) => services.some((service) => MEMLOCK_SERVICES.includes(service)),
  probe: () => [`S memlock; ${limitProbe('l', 'unlimited', 'Max locked memory')}`],
  judge: ({text}): CheckResult => {
    const facts = keyValues(text('memlock'))
    const engine = engineLimit(facts)
    if (facts.RAISE === 'ok')
      return {
        check: 'memlock',
        status: 'ok',
        detail: 'root can set memlock unlimited (RDMA buffers are registered locked)',
      }
    if (engine?.hard === 'unlimited')
      return {check: 'memlock', status: 'ok', detail: `${engine.process} already runs with memlock unlimited`}
    return {
      check: 'memlock',
      status: 'fail',
      detail: `3FS containers start with --ulimit memlock=-1, which this node cannot give: setrlimit is refused to root (no CAP_SYS_RESOURCE)${engine ? `, and ${engine.process} runs with ${engine.hard}` : ''}`,
      fix: 'Run the container engine with LimitMEMLOCK=infinity (systemctl edit containerd docker), or give the node CAP_SYS_RESOURCE.',
    }
  },
}
