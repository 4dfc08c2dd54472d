/**
 * Whether restarting one storage node would take a chain down: a chain goes down when its only SERVING
 * replica is restarted. The node's targets come from list-targets (NodeId column); every chain holding
 * one of them needs a SERVING replica on a target elsewhere. Used by `restart` before each storage node
 * and by deploy's rolled storage starts on a live cluster (an upgrade), so both stop with the same reason.
 */
import {parseListChains, parseListTargets} from '../cluster/admin-cli-output.js'

/** Printed between list-targets and list-chains when one command prints both (deploy's guard action). */
export const GUARD_SEPARATOR = '--- 3fs-cli chain guard: list-chains ---'

export function chainLossReason(
  listTargets: string,
  listChains: string,
  node: {name: string; storageId: number},
  options: {noTargetsIsSafe?: boolean} = {},
): string | undefined {
  const targets = parseListTargets(listTargets)
  const onNode = new Set(targets.filter((target) => target.nodeId === node.storageId).map((target) => target.targetId))
  if (onNode.size === 0) {
    if (options.noTargetsIsSafe && targets.length > 0) return undefined
    return `mgmtd lists no targets on storage node ${node.storageId} (list-targets answered ${targets.length} rows): cannot tell which chains it serves`
  }
  for (const chain of parseListChains(listChains)) {
    if (!chain.targets.some((target) => onNode.has(target.id))) continue
    const elsewhere = chain.targets.filter((target) => !onNode.has(target.id) && target.publicState === 'SERVING')
    if (elsewhere.length === 0) {
      const states = chain.targets.map((target) => `${target.id}(${target.publicState})`).join(' ')
      return `chain ${chain.chainId} has no SERVING replica outside ${node.name} (${states}); restarting ${node.name} would take it down`
    }
  }
  return undefined
}

/** Splits the guard action's output into its two listings. */
export function splitGuardOutput(output: string): {listTargets: string; listChains: string} {
  const at = output.indexOf(GUARD_SEPARATOR)
  if (at < 0) return {listTargets: output, listChains: ''}
  return {listTargets: output.slice(0, at), listChains: output.slice(at + GUARD_SEPARATOR.length)}
}
