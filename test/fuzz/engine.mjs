/**
 * The fuzz/property engine for issue 15, shared by the fast suite in `npm test` (test/unit/fuzz-cli.test.ts)
 * and the long run (`npm run fuzz`, test/fuzz/fuzz.mjs). Seeded and reproducible: case N of seed S is
 * always the same argv and cluster.yml. Every case runs the built CLI in a sandbox of its own and must:
 *   - exit with a code of README's table (0 1 2 3 4 5 129 130 143),
 *   - never print "Bug in 3fs-cli" (a stack trace),
 *   - end within the bound, or, once sent SIGINT at the bound, exit 130 promptly (a --watch or a long
 *     valid run is not a hang; ignoring Ctrl-C is),
 *   - leave every file that existed in the sandbox's user area unchanged; new files only where the argv
 *     named a path (the user asked for them), and nothing new outside the sandbox's temp and home.
 * The only cluster any case can reach is a closed loopback port (127.0.0.1:9, 127.0.0.2:9): no node is ever touched.
 * Paths in the value pool point into the sandbox or at read-only special files (/proc, /dev/zero), never
 * at a system directory: the tests run as root here.
 */
import {spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const BIN = join(ROOT, 'bin', 'run.js')

/** README's exit-code table. */
export const DOCUMENTED_EXIT_CODES = new Set([0, 1, 2, 3, 4, 5, 129, 130, 143])

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function rng(seed) {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n) => Math.floor(next() * n)
  const pick = (items) => items[int(items.length)]
  return {next, int, pick}
}

/** A valid cluster.yml whose only node is a closed loopback port. */
export const VALID_CLUSTER = `name: fuzz
workDir: /opt/3fs
nodes:
  - {name: a, host: 127.0.0.1, port: 9, username: root}
  - name: b
    host: 127.0.0.2
    port: 9
    username: root
services:
  fdb: {nodes: [a]}
  clickhouse: {nodes: [a], db: "3fs", user: default, password: "pw-fuzz"}
  monitor: {nodes: [a]}
  mgmtd: {nodes: [a]}
  meta: {nodes: [a]}
  storage: {nodes: [a, b], diskType: dir, replicationFactor: 2, targetNumPerDisk: 16, chainIDPrefix: 9}
  client: {nodes: [a, b], hostMountpoint: /3fs}
ssh:
  connectTimeout: 2s
  commandTimeout: 30s
  useAgent: false
`

/** Values that have broken or could break parsing: empty, signs, fractions, overflow, units, shell, control characters, paths. */
const SCALARS = [
  '',
  '0',
  '-1',
  '1',
  '1.5',
  '2',
  '42',
  '99999999999999999999',
  '18446744073709551616',
  '4294967296',
  '1e3',
  '0x10',
  'NaN',
  'abc',
  '9PiB',
  '1k',
  '1MiB',
  '18446744073709551616B',
  '600h',
  '596h32m',
  '0s',
  '1ms',
  '-1s',
  '$(id)',
  '`id`',
  'a;b',
  'a b',
  "it's",
  '"a\\nb"',
  '"a\\0b"',
  '"\\t"',
  'ä',
  'x'.repeat(3000),
  '/',
  '//etc',
  '/3fs/../etc',
  '/usr/./lib',
  '..',
  '~',
  '*nope',
  '[1, 2]',
  '{}',
  'null',
  'true',
]

/** Line-level mutations of a YAML text: 1 to 3 per case. */
export function mutateYaml(text, random) {
  let lines = text.split('\n')
  const count = 1 + random.int(3)
  for (let i = 0; i < count; i++) {
    const at = random.int(lines.length)
    const line = lines[at] ?? ''
    switch (random.int(9)) {
      case 0: {
        // Replace a value after a key.
        const keys = [...line.matchAll(/([A-Za-z]+):\s*/g)]
        if (keys.length === 0) break
        const key = random.pick(keys)
        const end = line.indexOf(',', key.index + key[0].length)
        const close = line.indexOf('}', key.index + key[0].length)
        const stop = [end, close].filter((index) => index >= 0).sort((a, b) => a - b)[0] ?? line.length
        lines[at] = `${line.slice(0, key.index + key[0].length)}${random.pick(SCALARS)}${line.slice(stop)}`
        break
      }
      case 1:
        lines.splice(at, 1)
        break
      case 2:
        lines.splice(at, 0, line)
        break
      case 3:
        lines[at] = line.replace(
          /([A-Za-z]+):/,
          (_, key) => `${key.slice(0, -1) || 'x'}${random.pick(['', 's', 'X'])}:`,
        )
        break
      case 4:
        lines.splice(
          at,
          0,
          `${' '.repeat(random.pick([0, 2, 4]))}${random.pick(['unknownKey', 'nodes', 'services', 'ssh', 'name'])}: ${random.pick(SCALARS)}`,
        )
        break
      case 5:
        lines[at] = `${' '.repeat(random.int(5))}${line.trimStart()}`
        break
      case 6:
        lines = lines.slice(0, at)
        break
      case 7:
        lines[at] = line.replace(
          /\[([^\]]*)\]/,
          () => `[${random.pick(['', 'a, a', 'zz', 'a, b, c', '"a(127.0.0.1)"'])}]`,
        )
        break
      default:
        lines.splice(at, 0, `x${random.int(9)}: &x${random.int(9)} [${random.pick(['*x1', '1', '*nope'])}]`)
    }
  }
  return lines.join('\n')
}

/**
 * One case's sandbox: user files a careless command could destroy, a valid and a mutated cluster.yml,
 * a gensort input, a saved result; cwd, HOME and TMPDIR of its own.
 */
export function makeSandbox(parent = tmpdir()) {
  const root = mkdtempSync(join(parent, '3fs-cli-fuzz-'))
  const user = join(root, 'user')
  for (const sub of ['input', 'output', 'work', '.work', 'empty', 'data']) mkdirSync(join(user, sub), {recursive: true})
  rmSync(join(user, 'empty'), {recursive: true})
  mkdirSync(join(user, 'empty'))
  for (const sub of ['input', 'output', 'work', '.work', 'data'])
    writeFileSync(join(user, sub, 'dataset.parquet'), `precious ${sub}\n`)
  writeFileSync(join(user, 'notes.txt'), 'precious notes\n')
  writeFileSync(join(user, 'records.dat'), Buffer.alloc(1000, 0x41))
  writeFileSync(join(user, 'result.json'), '{"kind": "throughput", "not": "really"}\n')
  writeFileSync(join(user, 'cluster.yml'), VALID_CLUSTER)
  const home = join(root, 'home')
  const tmp = join(root, 'tmp')
  const cwd = join(root, 'cwd')
  for (const dir of [home, tmp, cwd]) mkdirSync(dir)
  return {root, user, home, tmp, cwd}
}

/** Path-like values: inside the sandbox, or special files that are safe to name as root. */
function paths(box) {
  return [
    box.user,
    join(box.user, 'input'),
    join(box.user, 'output'),
    join(box.user, 'empty'),
    join(box.user, 'notes.txt'),
    join(box.user, 'records.dat'),
    join(box.user, 'result.json'),
    join(box.user, 'cluster.yml'),
    join(box.user, 'new'),
    join(box.user, 'new', ''),
    join(box.user, 'input', '..'),
    join(box.user, 'data', '..', 'output'),
    '/proc/self',
    '/proc/nope',
    '/dev/zero',
    '/dev/null',
    'relative/path',
    '',
  ]
}

/** Per command: a valid argv (placeholders filled from the sandbox) that finishes fast on this machine. */
function bases(box, config) {
  const u = (name) => join(box.user, name)
  return [
    ['config', 'validate', '-c', config],
    ['config', 'create', '--file', u('new.yml'), '--nodes', 'a=10.0.0.1'],
    ['config', 'schema', '--output', u('schema.json')],
    ['deploy', '-c', config, '--plan'],
    ['deploy', '-c', config],
    ['destroy', '-c', config, '--plan'],
    ['check', '-c', config],
    ['exec', '-c', config, '--', 'hostname'],
    ['status', '-c', config],
    ['status', '--from', u('data')],
    ['upload', '-c', config, u('notes.txt'), '/opt/3fs/notes.txt'],
    ['artifact', 'export', '-c', config, '--output', u('artifact.tar')],
    ['bench', 'clean', '--dir', box.user],
    ['bench', 'compare', u('result.json'), u('result.json')],
    ['bench', 'report', u('result.json')],
    ['bench', 'engines', '--dir', u('empty')],
    [
      'bench',
      'throughput',
      '--size',
      '64k',
      '--bs',
      '4k',
      '--no-direct',
      '--dir',
      box.user,
      '--out',
      u('new-result.json'),
    ],
    ['bench', 'graysort', 'gen', '--records', '100', '--output', u('gen.dat')],
    ['bench', 'graysort', 'run', '--records', '1000', '--dir', box.user, '--out', u('run-result.json')],
    ['bench', 'graysort', 'run', '--size', '1GiB', '--plan'],
    ['bench', 'graysort', 'sort', '--input', u('records.dat'), '--output', u('sorted'), '--out', u('sort-result.json')],
    ['bench', 'graysort', 'validate', u('records.dat'), '--out', u('validate-result.json')],
    ['duckdb', 'build', '-c', config, '--plan'],
    ['duckdb', 'install', '-c', config, '--plan'],
    ['duckdb', 'verify', '-c', config, '--plan'],
  ]
}

/** Flags of every command, from the oclif manifest: any of them may be added with a hostile value. */
function manifestFlags() {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8'))
  const flags = new Map()
  for (const [id, command] of Object.entries(manifest.commands))
    flags.set(
      id,
      Object.entries(command.flags).map(([name, flag]) => ({
        name,
        boolean: flag.type === 'boolean',
        options: flag.options,
      })),
    )
  return flags
}

let flagCache
/** Case `index` of `seed`: the argv and the cluster.yml text it runs with. */
export function makeCase(seed, index, box) {
  const random = rng((seed * 1_000_003 + index) >>> 0)
  flagCache ??= manifestFlags()
  const mutatedConfig = join(box.user, 'mutated.yml')
  const yaml = random.next() < 0.4 ? mutateYaml(VALID_CLUSTER, random) : VALID_CLUSTER
  writeFileSync(mutatedConfig, yaml)
  const argv = [...random.pick(bases(box, mutatedConfig))]
  const id = argv
    .slice(0, argv.findIndex((word) => word.startsWith('-')) >>> 0 || argv.length)
    .filter((word) => /^[a-z]+$/.test(word))
    .join(':')
  const commandFlags = flagCache.get(id) ?? flagCache.get(id.split(':').slice(0, -1).join(':')) ?? []
  const values = [...SCALARS.slice(0, 30), ...paths(box)]
  const mutations = random.int(4)
  for (let i = 0; i < mutations; i++) {
    const flagAt = argv.findIndex((word, at) => at > 0 && word.startsWith('--') && word !== '--')
    switch (random.int(6)) {
      case 0: // a flag's value replaced
        if (flagAt >= 0 && argv[flagAt + 1] !== undefined && !argv[flagAt + 1].startsWith('-'))
          argv[flagAt + 1] = random.pick(values)
        break
      case 1: // a flag of this command added with a hostile or listed value
      case 2: {
        const flag = random.pick(commandFlags)
        if (!flag || flag.name === 'watch') break
        const at = argv.includes('--') ? argv.indexOf('--') : argv.length
        argv.splice(
          at,
          0,
          ...(flag.boolean
            ? [`--${flag.name}`]
            : [
                `--${flag.name}`,
                flag.options && random.next() < 0.5 ? random.pick(flag.options) : random.pick(values),
              ]),
        )
        break
      }
      case 3: // a flag dropped
        if (flagAt >= 0) argv.splice(flagAt, argv[flagAt + 1] && !argv[flagAt + 1].startsWith('-') ? 2 : 1)
        break
      case 4: // an unknown flag, or a positional argument replaced
        if (random.next() < 0.5) argv.push(random.pick(['--nope', '-z', '--json=1', '--', '---']))
        else {
          const positional = argv.findIndex(
            (word, at) => at > 1 && word.startsWith('/') && !argv[at - 1].startsWith('-'),
          )
          if (positional >= 0) argv[positional] = random.pick(values)
        }
        break
      default: // a value with a control character or a huge count
        if (flagAt >= 0 && argv[flagAt + 1] !== undefined && !argv[flagAt + 1].startsWith('-'))
          argv[flagAt + 1] = random.pick([`${argv[flagAt + 1]}\n`, '99999999999999999999', '-0', ' 1 '])
    }
  }
  if (random.next() < 0.7) argv.push('--json')
  return {argv, yaml}
}

/** Every entry under dir (symlinks not followed) with a content hash, to compare before and after. */
export function snapshot(dir) {
  const out = new Map()
  const walk = (path, rel) => {
    let entries
    try {
      entries = readdirSync(path, {withFileTypes: true})
    } catch {
      return
    }
    for (const entry of entries) {
      const full = join(path, entry.name)
      const key = rel ? `${rel}/${entry.name}` : entry.name
      const info = lstatSync(full)
      if (info.isSymbolicLink()) out.set(key, `link:${readlinkSync(full)}`)
      else if (info.isDirectory()) {
        out.set(key, 'dir')
        walk(full, key)
      } else out.set(key, `file:${createHash('sha256').update(readFileSync(full)).digest('hex')}`)
    }
  }
  walk(dir, '')
  return out
}

/** Runs one case with a bound; at the bound SIGINT, then SIGKILL if it does not leave within graceMs. */
export function runCase(argv, box, {boundMs = 30_000, graceMs = 15_000} = {}) {
  return new Promise((resolve) => {
    const started = performance.now()
    const child = spawn(process.execPath, [BIN, ...argv], {
      cwd: box.cwd,
      env: {
        PATH: process.env.PATH,
        HOME: box.home,
        TMPDIR: box.tmp,
        XDG_STATE_HOME: join(box.home, '.state'),
        NO_COLOR: '1',
        LANG: 'C.UTF-8',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout = (stdout + chunk).slice(-200_000)))
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-200_000)))
    let interrupted = false
    let killed = false
    const bound = setTimeout(() => {
      interrupted = true
      child.kill('SIGINT')
    }, boundMs)
    const kill = setTimeout(() => {
      killed = true
      child.kill('SIGKILL')
    }, boundMs + graceMs)
    child.on('close', (code, signal) => {
      clearTimeout(bound)
      clearTimeout(kill)
      resolve({exitCode: code, signal, stdout, stderr, interrupted, killed, ms: performance.now() - started})
    })
  })
}

/** The properties every case must have; returns what is wrong (empty when all hold). */
export function violations(argv, result, before, after) {
  const problems = []
  if (result.killed) problems.push('hang: still running after SIGINT at the bound')
  else if (result.interrupted && result.exitCode !== 130)
    problems.push(`SIGINT at the bound gave exit ${result.exitCode} (signal ${result.signal}), not 130`)
  if (!result.killed && !DOCUMENTED_EXIT_CODES.has(result.exitCode))
    problems.push(`exit code ${result.exitCode} (signal ${result.signal}) is not in README's table`)
  if (/Bug in 3fs-cli/.test(result.stderr + result.stdout))
    problems.push(`"Bug in 3fs-cli": ${(result.stderr.match(/Bug in 3fs-cli[^\n]*\n[^\n]*/) ?? [''])[0]}`)
  const named = argv.join('\n')
  const forced = argv.includes('--force')
  for (const [path, state] of before) {
    if (!after.has(path)) problems.push(`user file removed: ${path}`)
    else if (after.get(path) !== state && !(forced && named.includes(path.split('/').pop())))
      problems.push(`user file changed: ${path}`)
  }
  for (const path of after.keys()) {
    if (before.has(path)) continue
    // New entries are fine only under a path the argv named (what the user asked to be written).
    const top = path.split('/')[0]
    if (!named.includes(`user/${top}`)) problems.push(`new file in the user area that no argument named: ${path}`)
  }
  return problems
}

/** One whole case: sandbox, run, check, clean up (the sandbox is kept when something is wrong). */
export async function fuzzCase(seed, index, options = {}) {
  const box = makeSandbox(options.parent)
  const {argv} = makeCase(seed, index, box)
  const before = snapshot(box.user)
  const result = await runCase(argv, box, options)
  const after = snapshot(box.user)
  // The config files are the harness's own inputs: a mutated one changes per case.
  for (const map of [before, after]) map.delete('mutated.yml')
  const problems = violations(argv, result, before, after)
  if (problems.length === 0) rmSync(box.root, {recursive: true, force: true})
  return {seed, index, argv, result, problems, sandbox: box.root}
}
