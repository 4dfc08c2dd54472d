/** Locations inside the installed package (templates, native build outputs). */
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

/** The package root: dist/paths.js lives one level below it. */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')

export function templatePath(name: string): string {
  return join(PACKAGE_ROOT, 'templates', name)
}

export function nativeBuildPath(name: string): string {
  return join(PACKAGE_ROOT, 'native', 'build', 'Release', name)
}
