/**
 * DuckDB's extension footer: the last 512 bytes of a .duckdb_extension file. Its first 256 bytes are
 * eight 32-byte NUL-padded fields stored last-first: magic "4", platform, DuckDB version (or C API
 * version), extension version, ABI type. DuckDB refuses an extension whose version field differs from
 * its own version directory name (the release tag, or the short commit of a dev build).
 */
export interface ExtensionMetadata {
  platform: string
  duckdbVersion: string
  extensionVersion: string
  abiType: string
}

export const FOOTER_SIZE = 512

export function parseExtensionFooter(file: Buffer): ExtensionMetadata | undefined {
  if (file.length < FOOTER_SIZE) return undefined
  const footer = file.subarray(file.length - FOOTER_SIZE)
  const fields = Array.from({length: 8}, (_, index) =>
    footer
      .subarray(index * 32, index * 32 + 32)
      .toString('latin1')
      .replace(/\0+$/, ''),
  ).reverse()
  if (fields[0] !== '4') return undefined
  return {platform: fields[1]!, duckdbVersion: fields[2]!, extensionVersion: fields[3]!, abiType: fields[4] || 'CPP'}
}

/** Writes a footer (used by tests to make stand-in extensions; DuckDB's build appends the real one). */
export function makeExtensionFooter(metadata: ExtensionMetadata): Buffer {
  const fields = [
    '4',
    metadata.platform,
    metadata.duckdbVersion,
    metadata.extensionVersion,
    metadata.abiType,
    '',
    '',
    '',
  ]
  const footer = Buffer.alloc(FOOTER_SIZE)
  for (const [index, value] of fields.reverse().entries()) footer.write(value, index * 32, 32, 'latin1')
  return footer
}

/**
 * The tag (first token) and commit (LAST token) of what `duckdb --version` prints: "v1.2.2-dev123
 * 5f5512b827" before 1.4, "v1.4.1 (Andium) b390a7c376" from 1.4 on (a codename sits in between).
 */
function cliVersion(cli: string): {tag?: string; commit?: string} {
  const tokens = cli.trim().split(/\s+/).filter(Boolean)
  return {tag: tokens[0], commit: tokens.length > 1 ? tokens.at(-1) : undefined}
}

/**
 * Does an extension built for `extensionVersion` load into a DuckDB whose `--version` prints `cli`
 * (e.g. "v1.2.2-dev123 5f5512b827")? Releases match by tag, dev builds by short commit.
 */
export function versionsMatch(extensionVersion: string, cli: string): boolean {
  const {tag, commit} = cliVersion(cli)
  if (!tag) return false
  if (extensionVersion === tag) return true
  return (
    commit !== undefined &&
    commit.length >= 7 &&
    (extensionVersion.startsWith(commit) || commit.startsWith(extensionVersion))
  )
}

/** The directory name DuckDB looks in for extensions of this build. */
export function versionDirectory(cli: string): string {
  const {tag, commit} = cliVersion(cli)
  return tag && !tag.includes('-dev') ? tag : (commit ?? tag ?? 'unknown')
}
