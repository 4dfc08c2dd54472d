// Edits an OCI runtime spec (a bundle's config.json, or the process.json of `runc exec --process`) so
// that this machine's kernel accepts it, and logs every edit. Test hosts only: the sandbox these tests
// run in lacks CAP_SYS_RESOURCE in its bounding set, so runc cannot grant capabilities outside that set
// (`--privileged`: "unable to apply caps") nor raise an rlimit above the current hard limit (`--ulimit
// memlock=-1`: "error setting rlimit type 8", `--ulimit nofile=1048576`: type 7). A real node accepts
// both, and the docker commands the deploy sends stay unchanged; only the spec runc receives is edited.
//   node oci-strip.mjs SPEC.json LOGFILE CONTAINER-ID
import {appendFileSync, readFileSync, renameSync, writeFileSync} from 'node:fs'

// Linux capability numbers (include/uapi/linux/capability.h).
const CAPS = [
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'SETPCAP',
  'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_ADMIN',
  'NET_RAW',
  'IPC_LOCK',
  'IPC_OWNER',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_CHROOT',
  'SYS_PTRACE',
  'SYS_PACCT',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_NICE',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'MKNOD',
  'LEASE',
  'AUDIT_WRITE',
  'AUDIT_CONTROL',
  'SETFCAP',
  'MAC_OVERRIDE',
  'MAC_ADMIN',
  'SYSLOG',
  'WAKE_ALARM',
  'BLOCK_SUSPEND',
  'AUDIT_READ',
  'PERFMON',
  'BPF',
  'CHECKPOINT_RESTORE',
]
// Where the kernel keeps the current hard limit of each rlimit the spec may name.
const LIMIT_ROWS = {
  RLIMIT_CPU: 'Max cpu time',
  RLIMIT_FSIZE: 'Max file size',
  RLIMIT_DATA: 'Max data size',
  RLIMIT_STACK: 'Max stack size',
  RLIMIT_CORE: 'Max core file size',
  RLIMIT_RSS: 'Max resident set',
  RLIMIT_NPROC: 'Max processes',
  RLIMIT_NOFILE: 'Max open files',
  RLIMIT_MEMLOCK: 'Max locked memory',
  RLIMIT_AS: 'Max address space',
  RLIMIT_LOCKS: 'Max file locks',
  RLIMIT_SIGPENDING: 'Max pending signals',
  RLIMIT_MSGQUEUE: 'Max msgqueue size',
  RLIMIT_NICE: 'Max nice priority',
  RLIMIT_RTPRIO: 'Max realtime priority',
  RLIMIT_RTTIME: 'Max realtime timeout',
}

const [file, log, id = '?'] = process.argv.slice(2)
const status = readFileSync('/proc/self/status', 'utf8')
const bounding = BigInt('0x' + /^CapBnd:\s*([0-9a-f]+)/m.exec(status)[1])
const inBounding = (name) => {
  const bit = CAPS.indexOf(name.replace(/^CAP_/, ''))
  return bit >= 0 && (bounding >> BigInt(bit)) & 1n
}
const hardLimit = (type) => {
  const row = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((line) => line.startsWith(LIMIT_ROWS[type] ?? '\0'))
  if (!row) return undefined
  const hard = row.slice(26).trim().split(/\s+/)[1]
  return hard === 'unlimited' ? 2n ** 64n - 1n : BigInt(hard)
}

// Integers past 2^53 (an unlimited rlimit is 2^64-1) would lose digits in a JSON round trip through
// numbers: they travel as marked strings and are written back verbatim.
const BIG = /(?<=[:[,]\s*)(\d{16,})(?=\s*[,\]}])/g
const spec = JSON.parse(readFileSync(file, 'utf8').replace(BIG, '"bigint:$1"'))
const unbig = (text) => text.replace(/"bigint:(\d+)"/g, '$1')
// config.json holds the process under .process; runc exec's process.json is the process itself.
const proc = spec.process ?? (spec.args ? spec : undefined)
const edits = []
if (proc?.capabilities) {
  const dropped = new Set()
  for (const [set, list] of Object.entries(proc.capabilities)) {
    if (!Array.isArray(list)) continue
    proc.capabilities[set] = list.filter((cap) => inBounding(cap) || (dropped.add(cap), false))
  }
  if (dropped.size > 0) edits.push(`dropped capabilities not in the bounding set: ${[...dropped].sort().join(' ')}`)
}
if (Array.isArray(proc?.rlimits) && !inBounding('CAP_SYS_RESOURCE')) {
  proc.rlimits = proc.rlimits.filter((limit) => {
    const hard = hardLimit(limit.type)
    if (hard === undefined || BigInt(String(limit.hard).replace('bigint:', '')) <= hard) return true
    edits.push(
      `dropped ${limit.type} soft=${unbig(JSON.stringify(limit.soft))} hard=${unbig(JSON.stringify(limit.hard))} (hard limit here is ${hard}; raising it needs CAP_SYS_RESOURCE)`,
    )
    return false
  })
}
if (edits.length > 0) {
  writeFileSync(`${file}.tmp`, unbig(JSON.stringify(spec)))
  renameSync(`${file}.tmp`, file)
  const what = `${id.slice(0, 12)} ${proc?.args?.[0] ?? '?'}`
  for (const edit of edits) appendFileSync(log, `${new Date().toISOString()} ${what}: ${edit}\n`)
}
