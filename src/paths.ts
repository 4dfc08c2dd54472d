/** Locations inside the installed package (templates, native build outputs). */
import {existsSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

/**
 * The package root: the nearest directory above this module whose package.json names 3fs-cli. Found by
 * walking up, not by a fixed depth: this code runs from src/ (tests), dist/ (tsc) and dist/commands/ or
 * dist/chunks/ (the bundles of bin/bundle.mjs), each at a different depth.
 */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)))

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as {name?: string}).name === '3fs-cli')
      return dir
    if (dirname(dir) === dir) throw new Error(`3fs-cli's package.json is not above ${start}`)
  }
}

export function templatePath(name: string): string {
  return join(PACKAGE_ROOT, 'templates', name)
}

export function nativeBuildPath(name: string): string {
  return join(PACKAGE_ROOT, 'native', 'build', 'Release', name)
}
