// ESLint flat config. Besides typescript-eslint's recommended rules it encodes the layers of the house
// (see ARCHITECTURE.md): commands -> ui / services -> remote -> config, and the root modules below all.
// Imports are relative, so each rule matches the folder name anywhere in the specifier.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

/** One restricted-import pattern per folder a layer may not reach. */
const forbid = (folders, why) => ({regex: `(^|/)(${folders.join('|')})/`, message: why})
const UI_LIBS = {
  regex: '^(@oclif/|listr2$|cli-table3$)',
  message: 'Only src/ui and src/commands talk to the terminal: a service returns data or throws a typed error.',
}

const SERVICES = [
  'src/bench',
  'src/deploy',
  'src/status',
  'src/duckdb',
  'src/nodes',
  'src/cluster',
  'src/config',
  'src/remote',
  'src/native',
]

const layer = (files, patterns) => ({files, rules: {'no-restricted-imports': ['error', {patterns}]}})

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'native/',
      'node_modules/',
      'coverage/',
      'reports/',
      '.stryker-tmp/',
      'oclif.manifest.json',
      'test/hosts/**/*.sh',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        structuredClone: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        fetch: 'readonly',
        performance: 'readonly',
        queueMicrotask: 'readonly',
        setImmediate: 'readonly',
        NodeJS: 'readonly',
      },
    },
    rules: {
      // Unused names are errors, except a deliberately ignored `_name` (callbacks whose position matters).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none'},
      ],
      // JSON from workers, YAML and admin_cli output is `any` at the border by nature; zod and the
      // parsers narrow it. Tests assert on parsed --json output the same way.
      '@typescript-eslint/no-explicit-any': 'off',
      // `x!` after a length or a lookup the line before checked: tsc's noUncheckedIndexedAccess asks for it.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // `catch {}` is how a best-effort step says "ignore": closing a closed stream, reading an optional file.
      'no-empty': ['error', {allowEmptyCatch: true}],
      // Flags `let x = initial` before a try or loop that always assigns: the initialiser is what lets tsc
      // prove the variable assigned on every path, so the "useless" value is not.
      'no-useless-assignment': 'off',
    },
  },
  {
    files: ['test/**'],
    // A test rethrows with the case's parameters in the message; the original stack is not what helps there.
    rules: {'preserve-caught-error': 'off'},
  },
  // Commands parse flags, call one service and render through src/ui: they never reach a host themselves.
  layer(
    ['src/commands/**'],
    [
      forbid(
        ['remote', 'native'],
        'A command calls a service (src/bench, src/deploy, src/status, src/duckdb, src/nodes); hosts are reached only there.',
      ),
      {
        regex: '(^|/)ui/table\\.js$|^cli-table3$',
        message: 'A command renders through its topic in src/ui (ui/<topic>/*.ts); tables are built there.',
      },
    ],
  ),
  // ...nor through an object a service handed back: no host method is called and no connection made in a command.
  {
    files: ['src/commands/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.type='MemberExpression'][callee.property.name=/^(run|runRaw|upload|download|readFile|connect)$/]",
          message:
            'A command does not run anything on a host (host.run, upload, readFile): that is a service function in src/bench, src/deploy, src/status, src/duckdb or src/nodes.',
        },
        {
          selector: 'NewExpression[callee.name=/^(HostPool|SshHost|LocalHost)$/]',
          message: 'A command does not open connections: the service it calls owns its HostPool.',
        },
      ],
    },
  },
  // Services never print, prompt or exit, and never know which command called them.
  layer(
    SERVICES.map((dir) => `${dir}/**`),
    [
      forbid(
        ['ui', 'commands'],
        'Services return data or throw typed errors; rendering belongs in src/ui, flags in src/commands.',
      ),
      UI_LIBS,
    ],
  ),
  // remote runs commands on hosts: it knows the cluster model, nothing of what the commands mean.
  layer(
    ['src/remote/**'],
    [
      forbid(
        ['deploy', 'status', 'bench', 'duckdb', 'nodes', 'cluster', 'native', 'ui', 'commands'],
        'src/remote knows hosts and the config model only; callers pass it commands.',
      ),
      UI_LIBS,
    ],
  ),
  // config reads cluster.yml; it may use 3FS facts (src/cluster) but nothing that acts on nodes.
  layer(
    ['src/config/**'],
    [
      forbid(
        ['deploy', 'status', 'bench', 'duckdb', 'nodes', 'remote', 'native', 'ui', 'commands'],
        'src/config is pure: schema, loader and checks of cluster.yml, no I/O on nodes.',
      ),
      UI_LIBS,
    ],
  ),
  // src/cluster holds 3FS facts shared by deploy, status and bench; it depends on none of them.
  layer(
    ['src/cluster/**'],
    [
      forbid(
        ['deploy', 'status', 'bench', 'duckdb', 'nodes', 'native', 'ui', 'commands'],
        'src/cluster is the shared home of 3FS facts: deploy, status and bench import it, never the other way.',
      ),
      UI_LIBS,
    ],
  ),
  // The root modules (errors, exit codes, log, paths) sit below every layer.
  layer(
    ['src/*.ts'],
    [
      forbid(
        ['config', 'cluster', 'remote', 'deploy', 'status', 'bench', 'duckdb', 'nodes', 'native', 'ui', 'commands'],
        'errors.ts, exit-codes.ts, log.ts and paths.ts are imported by every layer and import none.',
      ),
      UI_LIBS,
    ],
  ),
  // ui renders what services return; it never drives a command.
  layer(['src/ui/**'], [forbid(['commands'], 'src/ui renders; commands import it, not the other way.')]),
)
