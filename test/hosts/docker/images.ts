/**
 * Stand-in container images for the test hosts' real dockerd, tagged with the names the default
 * cluster.yml uses. Built once per content: the rootfs builder (test/hosts/standin/build.sh, or the
 * placeholder beside this file until that exists) writes OUTDIR/rootfs/<image>/ and OUTDIR/images.txt;
 * each rootfs is `docker import`ed on one node with the --change lines images.txt gives, and the set is
 * `docker save`d into a tarball cached under the temp dir by a hash of every builder input, so later
 * test files and runs only `docker load` it.
 */
import {execFile, execFileSync} from 'node:child_process'
import {promisify} from 'node:util'
import {createHash} from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, isAbsolute, join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))
const STANDIN = join(HERE, '..', 'standin')
const PLACEHOLDER = join(HERE, 'placeholder')

export interface ImageSpec {
  name: string
  rootfs: string
  changes: string[]
}

export interface ImageSet {
  /** `docker save` tarball of every image. */
  tarball: string
  images: string[]
  /** Which builder made the rootfs trees. */
  builder: 'standin' | 'placeholder'
  /** False when this call built and imported them (buildMs says how long that took). */
  cached: boolean
  buildMs: number
}

const DOCKERFILE_WORDS = /^(ENV|CMD|ENTRYPOINT|WORKDIR|USER|LABEL|EXPOSE|VOLUME|ONBUILD|STOPSIGNAL|HEALTHCHECK|SHELL)\b/

/**
 * images.txt: "NAME TAB ROOTFS-DIR TAB change;;change" (the stand-ins' build.sh), or an image line
 * "NAME ROOTFS-DIR" followed by its `--change` lines (Dockerfile instructions; the placeholder).
 */
export function parseImagesTxt(text: string, base: string): ImageSpec[] {
  const specs: ImageSpec[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    if (raw.includes('\t')) {
      // The stand-ins' form: NAME TAB ROOTFS TAB change;;change;;...
      const [name, rootfs, changes = ''] = raw.split('\t').map((field) => field.trim())
      if (!name || !rootfs) throw new Error(`images.txt: "${line}" lacks an image name or rootfs dir`)
      specs.push({
        name,
        rootfs: isAbsolute(rootfs) ? rootfs : join(base, rootfs),
        changes: changes
          .split(';;')
          .map((change) => change.trim())
          .filter(Boolean),
      })
      continue
    }
    if (DOCKERFILE_WORDS.test(line)) {
      if (specs.length === 0) throw new Error(`images.txt: "${line}" comes before any image line`)
      specs.at(-1)!.changes.push(line)
      continue
    }
    const [name, rootfs, ...rest] = line.split(/\t+|\s+/)
    if (!name || !rootfs)
      throw new Error(`images.txt: "${line}" is neither "IMAGE ROOTFS-DIR" nor a Dockerfile instruction`)
    specs.push({
      name,
      rootfs: isAbsolute(rootfs) ? rootfs : join(base, rootfs),
      changes: rest.length > 0 && DOCKERFILE_WORDS.test(rest.join(' ')) ? [rest.join(' ')] : [],
    })
  }
  return specs
}

function builderDir(): {dir: string; kind: ImageSet['builder']} {
  return existsSync(join(STANDIN, 'build.sh'))
    ? {dir: STANDIN, kind: 'standin'}
    : {dir: PLACEHOLDER, kind: 'placeholder'}
}

/** Hash of every file the images come from (the builder's tree and this module), path and content. */
function inputsHash(dir: string): string {
  const hash = createHash('sha256')
  const walk = (path: string): void => {
    for (const entry of readdirSync(path).sort()) {
      const full = join(path, entry)
      const stat = statSync(full)
      if (stat.isDirectory()) walk(full)
      else if (stat.isFile()) hash.update(`${relative(dir, full)}\0${stat.mode & 0o111}\0`).update(readFileSync(full))
    }
  }
  walk(dir)
  hash.update(readFileSync(fileURLToPath(import.meta.url)))
  return hash.digest('hex').slice(0, 16)
}

/**
 * The image tarball for this content, building it on first use with `docker` = the given CLI (a node's
 * dockerd, from outside the node). The images stay loaded on the node that imported them.
 */
export async function buildImages(docker: (args: string[], input?: Buffer) => Buffer): Promise<ImageSet> {
  const started = performance.now()
  const {dir, kind} = builderDir()
  const cache = join(tmpdir(), '3fs-cli-images', inputsHash(dir))
  const tarball = join(cache, 'images.tar')
  if (existsSync(tarball) && existsSync(join(cache, 'images.json'))) {
    return {
      tarball,
      images: JSON.parse(readFileSync(join(cache, 'images.json'), 'utf8')),
      builder: kind,
      cached: true,
      buildMs: 0,
    }
  }
  const out = mkdtempSync(join(tmpdir(), '3fs-cli-rootfs-'))
  try {
    // Asynchronous: the compile takes 20-70 s, and a test worker blocked that long loses its RPC to vitest.
    await promisify(execFile)('sh', [join(dir, 'build.sh'), out], {maxBuffer: 64 * 1024 * 1024}).catch(
      (error: {code?: number; stderr?: string}) => {
        throw new Error(
          `${join(dir, 'build.sh')} failed (${error.code}): ${String(error.stderr ?? '')
            .trim()
            .split('\n')
            .slice(-15)
            .join('\n')}`,
        )
      },
    )
    const specs = parseImagesTxt(readFileSync(join(out, 'images.txt'), 'utf8'), out)
    for (const spec of specs) {
      const rootfs = execFileSync('tar', ['-C', spec.rootfs, '--numeric-owner', '-c', '.'], {maxBuffer: 2 * 1024 ** 3})
      docker(['import', ...spec.changes.flatMap((change) => ['--change', change]), '-', spec.name], rootfs)
    }
    mkdirSync(cache, {recursive: true})
    const partial = `${tarball}.${process.pid}.partial`
    docker(['save', '-o', partial, ...specs.map((spec) => spec.name)])
    renameSync(partial, tarball)
    writeFileSync(join(cache, 'images.json'), JSON.stringify(specs.map((spec) => spec.name)))
    return {
      tarball,
      images: specs.map((spec) => spec.name),
      builder: kind,
      cached: false,
      buildMs: performance.now() - started,
    }
  } finally {
    rmSync(out, {recursive: true, force: true})
  }
}
