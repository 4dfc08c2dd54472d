/**
 * 3FS's own config files, as data: the key/values of configs/*.toml at the 3FS commit inside the image
 * the cluster runs (templates/3fs/shipped/<commit7>.json, extracted by test/fixtures/3fs-shipped/extract.mjs;
 * 3FS's MIT notice is beside it). 3FS's config loader keeps its CODE defaults for keys a file leaves out,
 * and those differ from the shipped files in ways that stop a cluster (mgmtd refuses heartbeats, meta
 * listens on mgmtd's ports), so every file is rendered whole from this data.
 */
import {readFileSync} from 'node:fs'

import {BugError} from '../../errors.js'
import {templatePath} from '../../paths.js'

export interface ShippedSection {
  /** Dotted table name; '' for the keys before the first header. */
  table: string
  /** An element of an array of tables ([[table]]). */
  array: boolean
  /** key and the value's TOML literal exactly as shipped. */
  entries: Array<[string, string]>
}

export interface ShippedConfigs {
  commit: string
  files: Record<string, ShippedSection[]>
}

interface TagMap {
  tags: Record<string, string>
  fallback: string
}

const loaded = new Map<string, ShippedConfigs>()
let tagMap: TagMap | undefined

function tags(): TagMap {
  tagMap ??= JSON.parse(readFileSync(templatePath('3fs/shipped/image-tags.json'), 'utf8')) as TagMap
  return tagMap
}

export interface ImageCommit {
  commit: string
  /** False when the tag is not in the map and the fallback commit is used. */
  known: boolean
}

/** The 3FS commit an open3fs/3fs image tag was built from (an -avx2 tag is the same source). */
export function commitForImageTag(tag: string): ImageCommit {
  const map = tags()
  const commit = map.tags[tag] ?? map.tags[tag.replace(/-avx2$/, '')]
  return commit ? {commit, known: true} : {commit: map.fallback, known: false}
}

export function shippedConfigs(commit: string): ShippedConfigs {
  let configs = loaded.get(commit)
  if (!configs) {
    let text: string
    try {
      text = readFileSync(templatePath(`3fs/shipped/${commit.slice(0, 7)}.json`), 'utf8')
    } catch (error) {
      throw new BugError(
        `no shipped 3FS config data for commit ${commit} (templates/3fs/shipped/${commit.slice(0, 7)}.json)`,
        {cause: error},
      )
    }
    configs = JSON.parse(text) as ShippedConfigs
    loaded.set(commit, configs)
  }
  return configs
}

export function shippedFile(commit: string, file: string): ShippedSection[] {
  const sections = shippedConfigs(commit).files[file]
  if (!sections) throw new BugError(`3FS at ${commit.slice(0, 7)} ships no configs/${file}`)
  return sections
}
