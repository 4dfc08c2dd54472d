#!/usr/bin/env node
// Build step after `tsc`: every command in dist/commands/ becomes one ES module holding our code and the
// pure-JavaScript packages it imports, with what several commands share in dist/chunks/. Why: Node 20
// loads ES modules one file at a time, and an unbundled command is ~300 files (execa alone is 106, zod
// 95): ~0.2 s of module loading before a command does anything, measured with --cpu-prof on
// `bench graysort sort`, where it is a sixth of the whole run. Bundled, that command loads in ~0.07 s.
// tsc's per-file output stays beside the bundles for scripts that import internals (test/bench/*.mjs).
import {build} from 'esbuild'
import {readdirSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const commands = readdirSync(join(root, 'src', 'commands'), {recursive: true, withFileTypes: true})
  .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
  .map((entry) => join(entry.parentPath, entry.name))

await build({
  entryPoints: commands,
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
  // Left to Node: oclif (it loads these very files; one copy of its classes), native addons (ssh2's
  // optional cpu-features), and DuckDB's optional bindings (a dev dependency, loaded only by --impl duckdb).
  external: ['@oclif/core', '@oclif/plugin-autocomplete', 'ssh2', 'cpu-features', '@duckdb/*'],
  // Bundled CommonJS packages call require() for Node's own modules: give every ES module one.
  banner: {
    js: "import {createRequire as __createRequire} from 'node:module'; const require = __createRequire(import.meta.url);",
  },
})
