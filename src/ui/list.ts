/** A comma-separated flag value as a list (empty items dropped). Its own module: bench commands import it
 * without loading the cluster.yml parser. */
export function splitList(text: string | undefined): string[] | undefined {
  return text
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean)
}
