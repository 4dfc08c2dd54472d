/**
 * The cluster.yml schema. Every key m3fs reads is accepted with m3fs's meaning and default, so an m3fs
 * cluster.yml works unchanged; keys m3fs does not know are 3fs-cli extensions and are marked as such.
 * Objects are strict: an unknown key is an error (m3fs silently ignores typos; we do not).
 */
import {z} from 'zod'
import {DEFAULT_MOUNTPOINT} from '../cluster/defaults.js'

/** Go's time.Duration text as m3fs's YAML decoder accepts it: "30s", "10m", "1h30m", "500ms". */
export const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/
/** Node.js timers fire at once for a delay of 2^31 ms or more: every duration must stay below (about 24.8 days). */
export const MAX_DURATION_MS = 2 ** 31 - 1
const duration = z
  .union([
    z.string().regex(GO_DURATION, 'expected a duration such as "30s", "10m" or "1h30m"'),
    z.number().int().nonnegative(),
  ])
  .refine(
    (value) => durationMs(value) <= MAX_DURATION_MS,
    'must be at most 596h (24.8 days), the longest timer 3fs-cli can wait',
  )
  .describe('A Go duration string ("30s", "10m", "1h30m") or an integer number of nanoseconds, at most 596h')

const port = z.number().int().min(1).max(65_535)
const absolutePath = z.string().regex(/^\//, 'expected an absolute path (starting with /)')
const name = z
  .string()
  .min(1, 'must not be empty')
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  .regex(/^[^\x00-\x1f\x7f]*$/, 'must not contain control characters (newline, tab, NUL)')
/** Names that reach a shell, a path or SQL (node names, user names, databases): one plain word. */
const word = z
  .string()
  .min(1, 'must not be empty')
  .regex(
    /^[A-Za-z0-9_][A-Za-z0-9_.@-]*$/,
    'must be one plain word: letters, digits, _ . @ - (no spaces, quotes, ; or $)',
  )
/** SQL identifiers (ClickHouse and PostgreSQL databases and users). */
const identifier = z
  .string()
  .min(1, 'must not be empty')
  .regex(/^[A-Za-z0-9_]+$/, 'must be a plain identifier: letters, digits and _ only')
/** A host name, IPv4 or IPv6 address. */
const hostName = z
  .string()
  .min(1, 'must not be empty')
  .regex(/^[A-Za-z0-9:[][A-Za-z0-9.:[\]%_-]*$/, 'expected an IP address or DNS name (letters, digits, . - :)')
/** A password that is written into env files: one line. */
// eslint-disable-next-line no-control-regex -- matches control characters on purpose
const secretLine = z.string().regex(/^[^\x00\n\r]*$/, 'must be one line (no newline or NUL)')

const serviceBase = {
  containerName: name.optional(),
  nodes: z.array(name).default([]),
  nodeGroups: z.array(name).default([]),
}

export const NETWORK_TYPES = ['RDMA', 'IB', 'RXE', 'ERDMA'] as const
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const
export const HOST_KEY_POLICIES = ['strict', 'accept-new'] as const

export const nodeSchema = z.strictObject({
  name: word,
  host: hostName.describe('IP address or DNS name that SSH connects to'),
  port: port.default(22),
  username: word,
  password: z.string().optional().describe('SSH password; prefer keys or ssh-agent'),
  rdmaAddresses: z.array(z.string()).optional(),
  identityFile: z.string().optional().describe('3fs-cli extension: private key file for this node'),
  sudoPassword: z
    .string()
    .optional()
    .describe('3fs-cli extension: sudo password when it differs from the SSH password'),
})

export const nodeGroupSchema = z.strictObject({
  name: word,
  username: word,
  password: z.string().optional(),
  port: port.default(22),
  ipBegin: z.ipv4({message: 'expected an IPv4 address'}),
  ipEnd: z.ipv4({message: 'expected an IPv4 address'}),
  identityFile: z.string().optional().describe('3fs-cli extension: private key file for every node of the group'),
  sudoPassword: z.string().optional().describe('3fs-cli extension'),
})

const fdbSchema = z.strictObject({
  ...serviceBase,
  port: port.default(4500),
  waitclustertimeout: duration.optional().describe('m3fs reads this key in lower case'),
})

const clickhouseSchema = z.strictObject({
  ...serviceBase,
  db: identifier.default('3fs'),
  user: identifier.default('default'),
  password: secretLine.default('password'),
  tcpPort: port.default(8999),
})

const monitorSchema = z.strictObject({...serviceBase, port: port.default(10_000)})
const grafanaSchema = z.strictObject({...serviceBase, port: port.default(3000)})

const postgresqlSchema = z.strictObject({
  ...serviceBase,
  port: port.default(5432),
  username: identifier.default('postgres'),
  password: secretLine.default('pgpassword'),
  database: identifier.default('open3fs'),
  readOnlyUsername: identifier.optional(),
  readOnlyPassword: secretLine.optional(),
  waitReadyTimeout: duration.optional(),
})

const mgmtdSchema = z.strictObject({
  ...serviceBase,
  chunkSize: z.number().int().positive().default(1_048_576),
  stripeSize: z.number().int().positive().default(16),
  stripSize: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      "Misspelling of stripeSize found in m3fs's sample cluster.yml; m3fs ignores it, 3fs-cli warns and ignores it",
    ),
  rdmaListenPort: port.default(8000),
  tcpListenPort: port.default(9000),
  waitTargetOnlineTimeout: duration.optional(),
})

const metaSchema = z.strictObject({
  ...serviceBase,
  rdmaListenPort: port.default(8001),
  tcpListenPort: port.default(9001),
})

const storageSchema = z.strictObject({
  ...serviceBase,
  diskType: z.enum(['nvme', 'dir']).default('nvme'),
  sectorSize: z.number().int().positive().default(4096),
  diskNumPerNode: z.number().int().positive().default(1),
  rdmaListenPort: port.default(8002),
  tcpListenPort: port.default(9002),
  replicationFactor: z.number().int().positive().default(2),
  targetNumPerDisk: z.number().int().positive().default(32),
  targetIDPrefix: z.number().int().nonnegative().default(1),
  chainIDPrefix: z.number().int().nonnegative().default(9),
  waitChainsServingTimeout: duration.optional(),
  waitTargetUpdateSleepTime: duration.optional(),
})

const clientSchema = z.strictObject({
  ...serviceBase,
  hostMountpoint: absolutePath.default(DEFAULT_MOUNTPOINT),
})

const servicesSchema = z.strictObject({
  fdb: fdbSchema.optional(),
  clickhouse: clickhouseSchema.optional(),
  monitor: monitorSchema.optional(),
  mgmtd: mgmtdSchema.optional(),
  meta: metaSchema.optional(),
  storage: storageSchema.optional(),
  client: clientSchema.optional(),
  postgresql: postgresqlSchema.optional(),
  grafana: grafanaSchema.optional(),
})

const imageSchema = z.strictObject({repo: name, tag: name})

const imagesSchema = z.strictObject({
  registry: z.string().default(''),
  arch: z.enum(['amd64', 'arm64']).default('amd64'),
  '3fs': imageSchema.default({repo: 'open3fs/3fs', tag: '20250410'}),
  fdb: imageSchema.default({repo: 'open3fs/foundationdb', tag: '7.3.63'}),
  clickhouse: imageSchema.default({repo: 'open3fs/clickhouse', tag: '25.1-jammy'}),
  grafana: imageSchema.optional(),
  postgresql: imageSchema.optional(),
})

/** 3fs-cli extension: how nodes are reached. */
const sshSchema = z.strictObject({
  knownHostsFile: z
    .string()
    .optional()
    .describe('known_hosts file to verify host keys against (default ~/.ssh/known_hosts)'),
  hostKeyPolicy: z
    .enum(HOST_KEY_POLICIES)
    .default('strict')
    .describe(
      'strict: unknown or changed host keys are refused; accept-new: unknown keys are recorded, changed keys refused',
    ),
  identityFile: z.string().optional().describe('default private key for every node'),
  useAgent: z.boolean().default(true).describe('try ssh-agent (SSH_AUTH_SOCK) first'),
  connectTimeout: duration.default('10s'),
  commandTimeout: duration.default('10m').describe('default timeout of one remote command'),
  keepaliveInterval: duration.default('15s'),
  concurrency: z.number().int().positive().max(4096).default(64).describe('nodes worked on at once'),
})

/** 3fs-cli extension: the Python environment of `python install` / `python verify` on client nodes. */
const pythonSchema = z.strictObject({
  venv: absolutePath
    .optional()
    .describe('virtual environment path on every client node (default <workDir>/python/venv; --venv overrides)'),
})

export const clusterSchema = z.strictObject({
  name,
  workDir: absolutePath.default('/opt/3fs'),
  networkType: z.enum([...NETWORK_TYPES, 'rdma', 'ib', 'rxe', 'erdma']).default('RDMA'),
  logLevel: z.enum(LOG_LEVELS).default('INFO'),
  nodes: z.array(nodeSchema).default([]),
  nodeGroups: z.array(nodeGroupSchema).default([]),
  services: servicesSchema,
  images: imagesSchema.default({
    registry: '',
    arch: 'amd64',
    '3fs': {repo: 'open3fs/3fs', tag: '20250410'},
    fdb: {repo: 'open3fs/foundationdb', tag: '7.3.63'},
    clickhouse: {repo: 'open3fs/clickhouse', tag: '25.1-jammy'},
  }),
  ui: z.strictObject({taskInfoColor: z.string().optional()}).optional(),
  serviceBasePath: absolutePath.optional(),
  cmdmaxexittimeout: duration.optional().describe('m3fs reads this key in lower case'),
  checkstatustimeout: duration.optional().describe('m3fs reads this key in lower case'),
  checkstatusinterval: duration.optional().describe('m3fs reads this key in lower case'),
  python: pythonSchema.optional(),
  ssh: sshSchema.default({
    hostKeyPolicy: 'strict',
    useAgent: true,
    connectTimeout: '10s',
    commandTimeout: '10m',
    keepaliveInterval: '15s',
    concurrency: 64,
  }),
})

export type ClusterFile = z.output<typeof clusterSchema>
export type ClusterNodeEntry = z.output<typeof nodeSchema>
export type NodeGroupEntry = z.output<typeof nodeGroupSchema>
export type SshSettingsEntry = z.output<typeof sshSchema>

/** Services in 3FS's deploy order. */
export const SERVICE_NAMES = [
  'fdb',
  'clickhouse',
  'monitor',
  'mgmtd',
  'meta',
  'storage',
  'client',
  'postgresql',
  'grafana',
] as const
export type ServiceName = (typeof SERVICE_NAMES)[number]
/** Services a 3FS cluster cannot run without. */
export const REQUIRED_SERVICES: readonly ServiceName[] = ['fdb', 'clickhouse', 'monitor', 'mgmtd', 'meta', 'storage']

/** Converts a Go duration string (or nanoseconds) to milliseconds. */
export function durationMs(value: string | number): number {
  if (typeof value === 'number') return value / 1e6
  const unitMs: Record<string, number> = {ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000}
  let total = 0
  for (const match of value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(match[1]) * unitMs[match[2]!]!
  }
  return total
}
