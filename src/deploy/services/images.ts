/** Container images on every node: pulled from the registry, or loaded from an artifact tarball (offline). */
import {basename} from 'node:path'

import {servicesOf} from '../../cluster/services.js'
import {shellQuote} from '../../remote/shell.js'
import {imagesFor, type DeployContext} from '../context.js'
import {action, type Action} from '../model.js'

export interface ImageOptions {
  /** Local path of a tarball made by `3fs-cli artifact export`. */
  artifact?: string
  /** Its sha256, so that the plan (and the recorded state) changes when the tarball does. */
  artifactSha256?: string
}

export function imageActions(context: DeployContext, options: ImageOptions): Action[] {
  const actions: Action[] = []
  for (const node of context.cluster.nodes) {
    const images = imagesFor(context, servicesOf(context.cluster, node.name))
    if (images.length === 0) continue
    if (options.artifact) {
      const remote = `${context.paths.images}/${basename(options.artifact)}`
      actions.push(
        action({
          id: `${node.name}:host:load-images:${options.artifactSha256 ?? basename(options.artifact)}`,
          node: node.name,
          service: 'host',
          kind: 'load-image',
          description: `load ${images.join(', ')} from ${basename(options.artifact)}`,
          uploadFrom: options.artifact,
          path: remote,
          command: `${shellQuote(context.runtime)} load -i ${shellQuote(remote)}`,
        }),
      )
    } else {
      for (const image of images) {
        actions.push(
          action({
            id: `${node.name}:host:pull:${image}`,
            node: node.name,
            service: 'host',
            kind: 'pull-image',
            description: `pull ${image}`,
            command: `${shellQuote(context.runtime)} image inspect ${shellQuote(image)} >/dev/null 2>&1 || ${shellQuote(context.runtime)} pull -q ${shellQuote(image)}`,
          }),
        )
      }
    }
  }
  return actions
}
