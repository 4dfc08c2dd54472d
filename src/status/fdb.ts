/** FoundationDB health from `fdbcli --exec 'status json'`. */

export interface FdbState {
  /** False when the output was not status JSON (fdbcli missing, container down, timeout). */
  parsed: boolean
  available?: boolean
  healthy?: boolean
  /** Messages fdbcli reports about the cluster, e.g. unreachable processes or a missing quorum. */
  messages: string[]
  processes?: number
  /** The first line of the output when it was not JSON. */
  error?: string
}

export function parseFdbStatus(text: string): FdbState {
  const start = text.indexOf('{')
  if (start < 0) return {parsed: false, messages: [], error: firstLine(text)}
  let json: any
  try {
    json = JSON.parse(text.slice(start))
  } catch {
    return {parsed: false, messages: [], error: firstLine(text)}
  }
  const database = json?.client?.database_status ?? {}
  const messages = [...(json?.client?.messages ?? []), ...(json?.cluster?.messages ?? [])]
    .map((message: {name?: string; description?: string}) => message.description ?? message.name ?? '')
    .filter((message: string) => message !== '')
  const processes = json?.cluster?.processes ? Object.keys(json.cluster.processes).length : undefined
  return {
    parsed: true,
    available: database.available === true,
    healthy: database.healthy === true,
    messages,
    ...(processes !== undefined ? {processes} : {}),
  }
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line !== '') ?? 'no output'
  )
}
