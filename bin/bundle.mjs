#!/usr/bin/env node
// Build step after `tsc`: every command in dist/commands/ becomes one ES module holding our code and the
// pure-JavaScript packages it imports, with what several commands share in dist/chunks/. Why: Node 20
// loads ES modules one file at a time, and an unbundled command is ~300 files (execa alone is 106, zod
// 95): ~0.2 s of module loading before a command does anything, measured with --cpu-prof on
// `bench graysort sort`, where it is a sixth of the whole run. Bundled, that command loads in ~0.07 s.
// tsc's per-file output stays beside the bundles for scripts that import internals (test/bench/*.mjs).
import {build} from 'esbuild'
import {readdirSync, rmSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const commands = readdirSync(join(root, 'src', 'commands'), {recursive: true, withFileTypes: true})
  .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
  .map((entry) => join(entry.parentPath, entry.name))
// The entry bin/run.js calls: oclif itself lands in the chunks it shares with the commands.
const entryPoints = [...commands, join(root, 'src', 'ui', 'run-cli.ts')]

// Chunk names carry a content hash: the last build's chunks would otherwise stay beside the new ones.
rmSync(join(root, 'dist', 'chunks'), {recursive: true, force: true})

await build({
  entryPoints,
  absWorkingDir: root,
  outbase: 'src',
  outdir: 'dist',
  bundle: true,
  // Code shared by commands, and everything loaded by a dynamic import(), goes to chunks loaded on use.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // Left to Node: the autocomplete plugin (oclif loads it from node_modules by name; it brings its own oclif,
  // used only by its own commands), native addons (ssh2's optional cpu-features), DuckDB's optional bindings
  // (a dev dependency, loaded only by --impl duckdb), and what oclif asks for only in development mode
  // (TypeScript, ts-node, tsx) or under Yarn PnP.
  external: [
    '@oclif/plugin-autocomplete',
    'ssh2',
    'cpu-features',
    '@duckdb/*',
    'typescript',
    'ts-node',
    'tsx',
    'pnpapi',
  ],
  // Bundled CommonJS packages call require() for Node's own modules and oclif reads __dirname in places
  // (each a fallback inside a try): give every ES module the three, as CommonJS would.
  banner: {
    js: [
      "import {createRequire as __createRequire} from 'node:module';",
      "import {fileURLToPath as __fileURLToPath} from 'node:url';",
      'const require = __createRequire(import.meta.url);',
      'const __filename = __fileURLToPath(import.meta.url);',
      "const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
    ].join(' '),
  },
})
