/** JSON Schema of cluster.yml, generated from the same zod schema the loader uses. */
import {z} from 'zod'

import {clusterSchema} from './schema.js'

export function clusterJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(clusterSchema, {io: 'input', unrepresentable: 'any'}) as Record<string, unknown>
  return {
    ...schema,
    title: '3fs-cli cluster.yml',
    description: "A 3FS cluster for 3fs-cli (a superset of m3fs's cluster.yml).",
  }
}
