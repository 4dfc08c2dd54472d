/**
 * The shell scripts status runs: one per node (containers, mount, disks) and one on a mgmtd node
 * (admin_cli tables, FoundationDB status). They speak the probe protocol of src/cluster/probe-protocol.ts:
 * sections headed by marker lines, values as base64 fields.
 */
import {adminCliArgv} from '../cluster/admin-cli.js'
import {PROBE_FUNCTIONS} from '../cluster/probe-protocol.js'
import {shellQuote, toShell} from '../remote/shell.js'
import type {LayoutNode, StatusLayout} from './layout.js'

/** Commands whose tables status reads, in the order it runs them. */
export const ADMIN_COMMANDS = [
  'list-nodes',
  'list-chains',
  'list-targets',
  'list-chain-tables',
  'list-clients',
] as const
export type AdminCommand = (typeof ADMIN_COMMANDS)[number]

/** Seconds a probe of a possibly hung mount or admin_cli may take before it is cut off. */
const PROBE_TIMEOUT_S = 5
const ADMIN_TIMEOUT_S = 20

export function nodeProbeScript(node: LayoutNode, runtime: string): string {
  const rt = shellQuote(runtime)
  const lines = [PROBE_FUNCTIONS, 'S hostname; hostname', 'S uptime; cat /proc/uptime']
  if (node.containers.length > 0) {
    lines.push(
      // The whole engine error goes into ERROR (it spans lines: docker prints an empty client part, then why).
      `S runtime; if command -v ${rt} >/dev/null 2>&1; then V PATH "$(command -v ${rt})";` +
        ` if out=$(timeout ${ADMIN_TIMEOUT_S} ${rt} version --format '{{.Server.Version}}' 2>&1); then V VERSION "$out"; else V ERROR "$out"; fi; echo; else echo missing; fi`,
      `S containers; if command -v ${rt} >/dev/null 2>&1; then for c in ${node.containers.map((entry) => shellQuote(entry.container)).join(' ')}; do` +
        ` if out=$(timeout ${ADMIN_TIMEOUT_S} ${rt} inspect --format '{{.State.Status}}|{{.RestartCount}}|{{.State.StartedAt}}|{{.State.ExitCode}}' "$c" 2>/dev/null); then echo "$c|$out"; else echo "$c|absent"; fi; done; fi`,
    )
  }
  if (node.mountpoint) {
    const mp = shellQuote(node.mountpoint)
    lines.push(
      `S mount; findmnt -n -P -o TARGET,FSTYPE,SOURCE,PROPAGATION --mountpoint ${mp} 2>/dev/null || echo none`,
      `S mount-df; timeout ${PROBE_TIMEOUT_S} df -P -B1 ${mp} 2>&1`,
      // A stat and a directory read through the mount, timed: a hung FUSE daemon shows up here.
      `S mount-probe; t0=$(date +%s%N); if timeout ${PROBE_TIMEOUT_S} stat -c %i ${mp} >/dev/null 2>&1 && timeout ${PROBE_TIMEOUT_S} ls -f ${mp} >/dev/null 2>&1; then r=ok; else r=failed; fi; t1=$(date +%s%N); V PROBE "$r"; V MICROS "$(( (t1 - t0) / 1000 ))"; echo`,
    )
  }
  if (node.dataDirs.length > 0) {
    lines.push(
      `S disks; for d in ${node.dataDirs.map(shellQuote).join(' ')}; do if [ -d "$d" ]; then e=1; else e=0; fi;` +
        ` m=$(findmnt -n -P -o FSTYPE,SOURCE --mountpoint "$d" 2>/dev/null);` +
        // findmnt's own KEY="v" fields stay as it prints them (the decoder reads both forms).
        ` u=$([ "$e" = 1 ] && timeout ${PROBE_TIMEOUT_S} df -P -B1 "$d" 2>/dev/null | awk 'NR==2{print $2, $3, $4}');` +
        ` V DIR "$d"; V EXISTS "$e"; printf '%s ' "$m"; if [ -n "$u" ]; then set -- $u; V SIZE "$1"; V USED "$2"; V AVAIL "$3"; fi; echo; done`,
    )
  }
  return lines.join('\n')
}

/** admin_cli tables and `fdbcli status json`, run on one mgmtd node (and the fdb container when it is there). */
export function adminProbeScript(layout: StatusLayout, withFdb: boolean): string {
  const lines = [PROBE_FUNCTIONS]
  for (const command of ADMIN_COMMANDS) {
    lines.push(
      `S admin_cli/${command}; timeout ${ADMIN_TIMEOUT_S} ${toShell(adminCliArgv(layout.runtime, layout.mgmtdContainer, [command]))} 2>&1`,
    )
  }
  if (withFdb) lines.push(fdbSection(layout))
  return lines.join('\n')
}

export function fdbProbeScript(layout: StatusLayout): string {
  return [PROBE_FUNCTIONS, fdbSection(layout)].join('\n')
}

function fdbSection(layout: StatusLayout): string {
  return `S fdb/status.json; timeout ${ADMIN_TIMEOUT_S} ${toShell([layout.runtime, 'exec', layout.fdbContainer, 'fdbcli', '--exec', 'status json', '--timeout', '10'])} 2>&1`
}
