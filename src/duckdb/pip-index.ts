/**
 * Can pip on a node reach its package index? Python wheel builds (DuckDB's tools/pythonpkg for
 * `duckdb build --python`, smallpond-3fs for `python install --smallpond-ref`) install their
 * build-system requirements into an isolated environment from the index: smallpond-3fs
 * pyproject.toml:1-3 requires setuptools and setuptools-scm with the setuptools.build_meta backend.
 * Without an index that fails deep into the build, so the node is asked first with one bounded
 * `pip download --no-deps setuptools` into a temporary directory, honouring the node's own pip
 * configuration (pip.conf, PIP_INDEX_URL), as the build will.
 */
import {UserError} from '../errors.js'
import type {Host} from '../remote/host.js'
import {shellQuote} from '../remote/shell.js'

/** A package every setuptools-backed build needs from the index. */
export const PROBE_PACKAGE = 'setuptools'

export interface IndexProbe {
  ok: boolean
  /** The index pip is configured to use on the node. */
  index: string
  /** pip's last lines when it failed. */
  detail?: string
}

export function indexProbeScript(python = 'python3', timeoutSeconds = 30): string {
  const py = shellQuote(python)
  return [
    'd=$(mktemp -d); trap \'rm -rf "$d"\' EXIT',
    `i=\${PIP_INDEX_URL:-$(${py} -m pip config get global.index-url 2>/dev/null || true)}`,
    'echo "@@index ${i:-https://pypi.org/simple (pip default)}"',
    // One retry (pip names the connection error only in its retry warning) of at most 10 s each; timeout(1)
    // bounds the rest.
    `out=$(timeout ${timeoutSeconds} ${py} -m pip download --no-deps --no-cache-dir --disable-pip-version-check --retries 1 --timeout 10 --dest "$d" ${PROBE_PACKAGE} 2>&1); rc=$?`,
    // Why it failed (pip's retry warning names the connection error), then its last words.
    'printf "%s\\n" "$out" | grep -E -m 1 "NewConnectionError|Name or service|resolution|timed out|Connection|SSL" | sed "s/^/@@pip /"',
    'printf "%s\\n" "$out" | tail -n 2 | sed "s/^/@@pip /"',
    'echo "@@rc $rc"',
  ].join('\n')
}

/** pip's retry warning is a repr of urllib3 objects: keep the human part. */
function shortReason(line: string): string {
  const connection = /(Failed to establish a new connection: [^'"]*|Read timed out[^'"]*|SSLError\([^'"]*)/.exec(line)
  return connection ? connection[1]!.replace(/[\s:)]+$/, '') : line
}

export function parseIndexProbe(output: string): IndexProbe {
  const index = /^@@index (.*)$/m.exec(output)?.[1]?.trim() ?? 'unknown'
  const rc = Number(/^@@rc (\d+)$/m.exec(output)?.[1] ?? 1)
  const detail = [...output.matchAll(/^@@pip (.*)$/gm)]
    .map((match) => shortReason(match[1]!.trim()))
    .filter(Boolean)
    .join(' | ')
  return rc === 0 ? {ok: true, index} : {ok: false, index, detail: rc === 124 ? `no answer within the timeout` : detail}
}

/** Runs the probe on the node (as the build will run: sudo) and returns what it found. */
export async function probeIndex(
  host: Host,
  options: {
    python?: string
    signal?: AbortSignal
    sudo?: boolean
    /** Probe inside the build container (--mode container): the wheel is built there, with its network. */
    container?: {runtime: string; image: string}
  } = {},
): Promise<IndexProbe> {
  const script = indexProbeScript(options.python)
  // The same flags as the build step's container (build.ts buildSteps: --network host).
  const command = options.container
    ? `${shellQuote(options.container.runtime)} run --rm --network host ${shellQuote(options.container.image)} bash -c ${shellQuote(script)}`
    : script
  const result = await host.run(command, {
    sudo: options.sudo ?? true,
    signal: options.signal,
    timeoutMs: 90_000,
    label: 'pip index probe',
  })
  return parseIndexProbe(result.stdout)
}

/** The error for a node whose pip cannot reach the index, with the ways out. */
export function indexUnreachable(node: string, probe: IndexProbe, what: string, buildDeps: string): UserError {
  return new UserError(
    `${node} cannot reach the Python package index: pip there uses ${probe.index} and pip download ${PROBE_PACKAGE} failed (${probe.detail || 'no output'}); ${what} installs its build dependencies from it, so nothing was built`,
    {
      next: [
        `Point pip on ${node} at an index it reaches (index-url in /etc/pip.conf, as the build runs under sudo), or`,
        `put the build dependencies (${buildDeps}) as wheels in a directory on ${node} (pip download them on a machine with the index) and set no-index = true and find-links = <dir> in /etc/pip.conf, or`,
        'build where the index is reachable and pass the wheel file instead.',
      ],
    },
  )
}
