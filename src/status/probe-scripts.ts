/**
 * The shell scripts status runs: one per node (containers, mount, disks) and one on a mgmtd node
 * (admin_cli tables, FoundationDB status). Each prints sections headed by a marker line, so one SSH
 * round trip per node collects everything, and each section is kept raw for --capture.
 */
import {adminCliArgv} from '../cluster/services.js'
import {shellQuote, toShell} from '../remote/shell.js'
import type {LayoutNode, StatusLayout} from './layout.js'

const MARKER = '@@3fs-cli-section '

/** Shell function `S name` that starts a section of probe output (parsed by splitSections). */
export const SECTION_FUNCTION = `S() { printf '\\n${MARKER}%s\\n' "$1"; }`

/** Commands whose tables status reads, in the order it runs them. */
export const ADMIN_COMMANDS = ['list-nodes', 'list-chains', 'list-targets', 'list-chain-tables', 'list-clients'] as const
export type AdminCommand = (typeof ADMIN_COMMANDS)[number]

/** Seconds a probe of a possibly hung mount or admin_cli may take before it is cut off. */
const PROBE_TIMEOUT_S = 5
const ADMIN_TIMEOUT_S = 20

export function nodeProbeScript(node: LayoutNode, runtime: string): string {
  const rt = shellQuote(runtime)
  const lines = [
    SECTION_FUNCTION,
    'S hostname; hostname',
    'S uptime; cat /proc/uptime',
  ]
  if (node.containers.length > 0) {
    lines.push(
      `S runtime; if command -v ${rt} >/dev/null 2>&1; then echo "PATH=\\"$(command -v ${rt})\\""; timeout ${ADMIN_TIMEOUT_S} ${rt} version --format 'VERSION="{{.Server.Version}}"' 2>&1 | head -n 3; else echo missing; fi`,
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
      `S mount-probe; t0=$(date +%s%N); if timeout ${PROBE_TIMEOUT_S} stat -c %i ${mp} >/dev/null 2>&1 && timeout ${PROBE_TIMEOUT_S} ls -f ${mp} >/dev/null 2>&1; then r=ok; else r=failed; fi; t1=$(date +%s%N); echo "PROBE=\\"$r\\" MICROS=\\"$(( (t1 - t0) / 1000 ))\\""`,
    )
  }
  if (node.dataDirs.length > 0) {
    lines.push(
      `S disks; for d in ${node.dataDirs.map(shellQuote).join(' ')}; do if [ -d "$d" ]; then e=1; else e=0; fi;` +
        ` m=$(findmnt -n -P -o FSTYPE,SOURCE --mountpoint "$d" 2>/dev/null);` +
        ` u=$([ "$e" = 1 ] && timeout ${PROBE_TIMEOUT_S} df -P -B1 "$d" 2>/dev/null | awk 'NR==2{printf "SIZE=\\"%s\\" USED=\\"%s\\" AVAIL=\\"%s\\"", $2, $3, $4}');` +
        ` echo "DIR=\\"$d\\" EXISTS=\\"$e\\" $m $u"; done`,
    )
  }
  return lines.join('\n')
}

/** admin_cli tables and `fdbcli status json`, run on one mgmtd node (and the fdb container when it is there). */
export function adminProbeScript(layout: StatusLayout, withFdb: boolean): string {
  const lines = [SECTION_FUNCTION]
  for (const command of ADMIN_COMMANDS) {
    lines.push(`S admin_cli/${command}; timeout ${ADMIN_TIMEOUT_S} ${toShell(adminCliArgv(layout.runtime, layout.mgmtdContainer, [command]))} 2>&1`)
  }
  if (withFdb) lines.push(fdbSection(layout))
  return lines.join('\n')
}

export function fdbProbeScript(layout: StatusLayout): string {
  return [SECTION_FUNCTION, fdbSection(layout)].join('\n')
}

function fdbSection(layout: StatusLayout): string {
  return `S fdb/status.json; timeout ${ADMIN_TIMEOUT_S} ${toShell([layout.runtime, 'exec', layout.fdbContainer, 'fdbcli', '--exec', 'status json', '--timeout', '10'])} 2>&1`
}

/** Splits probe output into its sections; text before the first marker is dropped (login banners). */
export function splitSections(output: string): Record<string, string> {
  const sections: Record<string, string> = {}
  let current: string | undefined
  let buffer: string[] = []
  const flush = () => {
    if (current !== undefined) sections[current] = buffer.join('\n').replace(/\n+$/, '') + '\n'
  }
  for (const line of output.split('\n')) {
    if (line.startsWith(MARKER)) {
      flush()
      current = line.slice(MARKER.length).trim()
      buffer = []
    } else if (current !== undefined) buffer.push(line)
  }
  flush()
  return sections
}
