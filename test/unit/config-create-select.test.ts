/**
 * `config create` (src/config/create.ts), node selection (select.ts), validate's summary (summary.ts) and the
 * schema file (json-schema.ts, write-schema.ts) as functions: the CLI tests show them once end to end, these pin
 * down each rule so that mutation testing of src/config can tell a changed rule from a kept one.
 */
import {mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, describe, expect, it} from 'vitest'

import {createConfig, parseNodeSpecs} from '../../src/config/create.js'
import {clusterJsonSchema} from '../../src/config/json-schema.js'
import {parseCluster} from '../../src/config/loader.js'
import {selectNodes} from '../../src/config/select.js'
import {summarizeCluster} from '../../src/config/summary.js'
import {writeSchemaFile} from '../../src/config/write-schema.js'
import {UsageError} from '../../src/errors.js'

const dirs: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'config-create-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true})
})

/** The UsageError `run` throws, or a failed expectation if it throws nothing or something else. */
function usageError(run: () => unknown): UsageError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError)
    return error as UsageError
  }
  throw new Error('expected a UsageError, nothing was thrown')
}

async function usageErrorOf(run: () => Promise<unknown>): Promise<UsageError> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(UsageError)
  return error as UsageError
}

describe('parseNodeSpecs', () => {
  it('names bare hosts node1, node2... by position and takes name=host as given, trimmed', () => {
    expect(parseNodeSpecs(['10.0.0.1', ' db = 10.0.0.2 ', '10.0.0.3'])).toEqual([
      {name: 'node1', host: '10.0.0.1'},
      {name: 'db', host: '10.0.0.2'},
      {name: 'node3', host: '10.0.0.3'},
    ])
  })

  it('splits at the first = only, and accepts the characters a node name may hold', () => {
    expect(() => parseNodeSpecs(['a=b=c'])).not.toThrow()
    expect(parseNodeSpecs(['a=b=c'])[0]).toEqual({name: 'a', host: 'b'})
    expect(parseNodeSpecs(['N0_d.e-f=h'])[0]!.name).toBe('N0_d.e-f')
  })

  it('refuses a node name that does not start with a letter or digit or holds other characters', () => {
    for (const bad of ['-x', '.x', '_x', 'a b', 'a/b', '']) {
      const error = usageError(() => parseNodeSpecs([`${bad}=10.0.0.1`]))
      expect(error.message).toBe(`--nodes: "${bad.trim()}" is not a valid node name`)
      expect(error.next.join(' ')).toMatch(/letters, digits, dot, dash and underscore/)
    }
  })

  it('refuses an empty host or one with white space inside', () => {
    for (const spec of ['a=', 'a=  ', 'a=h h', '  ']) {
      const error = usageError(() => parseNodeSpecs([spec]))
      expect(error.message).toBe(`--nodes: "${spec}" has no valid host`)
      expect(error.next.join(' ')).toMatch(/host or name=host/)
    }
  })

  it('refuses a name or a host given twice, saying which', () => {
    expect(usageError(() => parseNodeSpecs(['a=10.0.0.1', 'a=10.0.0.2'])).message).toBe(
      '--nodes: name a is given twice',
    )
    expect(usageError(() => parseNodeSpecs(['a=10.0.0.1', 'b=10.0.0.1'])).message).toBe(
      '--nodes: host 10.0.0.1 is given twice',
    )
    expect(usageError(() => parseNodeSpecs(['10.0.0.1', '10.0.0.1'])).next).toEqual(['List every machine once.'])
    // A name equal to another node's host is not a repeat: names and hosts are separate spaces.
    expect(parseNodeSpecs(['x=y', 'y=z'])).toHaveLength(2)
  })
})

describe('createConfig', () => {
  const base = {name: 'lab', username: 'ops', registry: '', force: false}

  it('writes a cluster.yml that loads, with RF 2 and the stripe at most 16 for two or more nodes', async () => {
    const file = join(tempDir(), 'cluster.yml')
    const result = await createConfig({...base, file, nodes: ['s1=10.0.0.1', 's2=10.0.0.2']})
    expect(result).toMatchObject({file, replicationFactor: 2, stripeSize: 16})
    expect(result.nodes).toEqual([
      {name: 's1', host: '10.0.0.1'},
      {name: 's2', host: '10.0.0.2'},
    ])
    expect(result.warnings.some((w) => /One storage node/.test(w))).toBe(false)
    const text = readFileSync(file, 'utf8')
    expect(text).not.toMatch(/\{\{\w+\}\}/)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const cluster = parseCluster(text, file)
    expect(cluster.name).toBe('lab')
    expect(cluster.nodes.map((n) => [n.name, n.host, n.port, n.username])).toEqual([
      ['s1', '10.0.0.1', 22, 'ops'],
      ['s2', '10.0.0.2', 22, 'ops'],
    ])
    // fdb on the first node while there are fewer than three; mgmtd, meta, monitor, clickhouse on the first.
    expect(cluster.services.fdb).toEqual(['s1'])
    expect(cluster.services.mgmtd).toEqual(['s1'])
    expect(cluster.services.clickhouse).toEqual(['s1'])
    expect(cluster.services.storage).toEqual(['s1', 's2'])
    expect(cluster.services.client).toEqual(['s1', 's2'])
    expect(cluster.config.services.storage?.replicationFactor).toBe(2)
    expect(cluster.config.services.mgmtd?.stripeSize).toBe(16)
  })

  it('puts fdb on the first three nodes once there are three or more', async () => {
    const file = join(tempDir(), 'c.yml')
    await createConfig({...base, file, nodes: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']})
    const cluster = parseCluster(readFileSync(file, 'utf8'), file)
    expect(cluster.services.fdb).toEqual(['node1', 'node2', 'node3'])
    expect(cluster.services.storage).toEqual(['node1', 'node2', 'node3', 'node4'])
  })

  it('makes one local node with RF 1 when no node is given, and warns that data has no second copy', async () => {
    const file = join(tempDir(), 'c.yml')
    const result = await createConfig({...base, file, nodes: []})
    expect(result.nodes).toEqual([{name: 'node1', host: '127.0.0.1'}])
    expect(result.replicationFactor).toBe(1)
    // 1 node x 1 disk x 32 targets / RF 1 = 32 chains; the stripe stops at 16.
    expect(result.stripeSize).toBe(16)
    expect(result.warnings).toContain('One storage node: replicationFactor is 1, so data has no second copy.')
  })

  it('quotes values so that a registry or user name with YAML syntax stays a string', async () => {
    const file = join(tempDir(), 'c.yml')
    await createConfig({...base, file, nodes: ['10.0.0.1'], username: 'no', registry: 'r.example:5000/x #y'})
    const cluster = parseCluster(readFileSync(file, 'utf8'), file)
    expect(cluster.nodes[0]!.username).toBe('no')
    expect(cluster.config.images?.registry).toBe('r.example:5000/x #y')
  })

  it('gives every cluster its own ClickHouse password', async () => {
    const dir = tempDir()
    const passwords = []
    for (const name of ['a.yml', 'b.yml']) {
      await createConfig({...base, file: join(dir, name), nodes: ['10.0.0.1']})
      const cluster = parseCluster(readFileSync(join(dir, name), 'utf8'), name)
      passwords.push(cluster.config.services.clickhouse?.password)
    }
    expect(passwords[0]).toMatch(/^[A-Za-z0-9_-]{16}$/)
    expect(passwords[1]).not.toBe(passwords[0])
  })

  it('refuses to overwrite an existing file without force, and overwrites it with force', async () => {
    const file = join(tempDir(), 'c.yml')
    writeFileSync(file, 'keep me\n')
    const error = await usageErrorOf(() => createConfig({...base, file, nodes: ['10.0.0.1']}))
    expect(error.message).toBe(`${file} already exists`)
    expect(error.next.join(' ')).toMatch(/--force/)
    expect(readFileSync(file, 'utf8')).toBe('keep me\n')
    await createConfig({...base, file, nodes: ['10.0.0.1'], force: true})
    expect(readFileSync(file, 'utf8')).toMatch(/^# cluster\.yml/)
  })

  it('refuses a cluster name that is not a plain name, before writing anything', async () => {
    const dir = tempDir()
    for (const name of ['', '-lab', 'my lab', 'lab:1']) {
      const file = join(dir, 'c.yml')
      const error = await usageErrorOf(() => createConfig({...base, name, file, nodes: ['10.0.0.1']}))
      expect(error.message).toBe(`--name "${name}" is not a valid cluster name`)
      expect(() => statSync(file)).toThrow()
    }
  })
})

describe('selectNodes', () => {
  const cluster = parseCluster(
    `name: t
nodes:
  - {name: a, host: 10.0.0.1}
  - {name: b, host: 10.0.0.2}
  - {name: c, host: 10.0.0.3}
services:
  fdb: {nodes: [a]}
  clickhouse: {nodes: [a]}
  monitor: {nodes: [a]}
  mgmtd: {nodes: [a]}
  meta: {nodes: [a]}
  storage: {nodes: [a, b, c], diskType: dir, replicationFactor: 1}
  client: {nodes: [b, c]}
`,
    'sel.yml',
  )
  const names = (selection: Parameters<typeof selectNodes>[1]) => selectNodes(cluster, selection).map((n) => n.name)

  it('takes every node when nothing is chosen', () => {
    expect(names({})).toEqual(['a', 'b', 'c'])
  })

  it('takes the members of a service, in node order', () => {
    expect(names({service: 'client'})).toEqual(['b', 'c'])
    expect(names({service: 'mgmtd'})).toEqual(['a'])
  })

  it('takes nodes by name or host, in the order given, each once', () => {
    expect(names({nodes: ['c', '10.0.0.1', 'c']})).toEqual(['c', 'a'])
  })

  it('takes named nodes that run the chosen service, and refuses one that does not', () => {
    expect(names({service: 'client', nodes: ['c']})).toEqual(['c'])
    const error = usageError(() => selectNodes(cluster, {service: 'client', nodes: ['a']}))
    expect(error.message).toBe('--nodes: "a" does not run client')
  })

  it('refuses an unknown service with the closest name, or the list when none is close', () => {
    const close = usageError(() => selectNodes(cluster, {service: 'storag'}))
    expect(close.message).toBe('--service storag is not a 3FS service')
    expect(close.next).toEqual(['Did you mean --service storage?'])
    const far = usageError(() => selectNodes(cluster, {service: 'zzzzzzzzzz'}))
    expect(far.next[0]).toMatch(/^Use one of: fdb, .*client/)
  })

  it('refuses an unknown node with the closest name, or the known names', () => {
    const close = usageError(() => selectNodes(cluster, {nodes: ['bb']}))
    expect(close.message).toBe('--nodes: "bb" is not a node of sel.yml')
    expect(close.next).toEqual(['Did you mean "b"?'])
    const far = usageError(() => selectNodes(cluster, {nodes: ['zzzzzzzzzz']}))
    expect(far.next).toEqual(['Known nodes: a, b, c.'])
  })

  it('refuses --nodes that names no node instead of taking every node', () => {
    const error = usageError(() => selectNodes(cluster, {nodes: []}))
    expect(error.message).toBe('--nodes names no node')
    expect(error.next[0]).toMatch(/e\.g\. --nodes a,/)
  })
})

describe('summarizeCluster', () => {
  it('counts nodes, members per service, chains, RF, stripe and the mount point', () => {
    const cluster = parseCluster(
      `name: sum
nodes:
  - {name: a, host: 10.0.0.1}
  - {name: b, host: 10.0.0.2}
  - {name: c, host: 10.0.0.3}
services:
  fdb: {nodes: [a]}
  clickhouse: {nodes: [a]}
  monitor: {nodes: [a]}
  mgmtd: {nodes: [a], stripeSize: 8}
  meta: {nodes: [a, b]}
  storage: {nodes: [a, b, c], diskType: dir, diskNumPerNode: 2, targetNumPerDisk: 4, replicationFactor: 3}
  client: {nodes: [c], hostMountpoint: /mnt/x}
`,
      'sum.yml',
    )
    expect(summarizeCluster(cluster)).toEqual({
      name: 'sum',
      nodes: 3,
      services: {fdb: 1, clickhouse: 1, monitor: 1, mgmtd: 1, meta: 2, storage: 3, client: 1},
      chains: 8, // 3 nodes x 2 disks x 4 targets / RF 3
      replicationFactor: 3,
      stripeSize: 8,
      mountpoint: '/mnt/x',
    })
  })
})

describe('the schema file', () => {
  it('describes cluster.yml from the loader schema, with its title', () => {
    const schema = clusterJsonSchema() as {title: string; description: string; $schema: string; properties: object}
    expect(schema.title).toBe('3fs-cli cluster.yml')
    expect(schema.description).toMatch(/m3fs/)
    expect(typeof schema.$schema).toBe('string')
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['name', 'nodes', 'services']))
  })

  it('writes a new file and replaces an earlier schema, but not another file unless forced', async () => {
    const dir = tempDir()
    const file = join(dir, 'schema.json')
    const text = JSON.stringify(clusterJsonSchema())
    await writeSchemaFile(file, text, false)
    expect(readFileSync(file, 'utf8')).toBe(text)
    await writeSchemaFile(file, `${text}\n`, false)
    expect(readFileSync(file, 'utf8')).toBe(`${text}\n`)

    const other = join(dir, 'notes.json')
    for (const content of [
      'not json',
      '{"$schema": 1, "properties": {"nodes": {}, "services": {}}}',
      '{"$schema": "x", "properties": {"services": {}}}',
      '{"$schema": "x", "properties": {"nodes": {}}}',
      '{"$schema": "x"}',
    ]) {
      writeFileSync(other, content)
      const error = await usageErrorOf(() => writeSchemaFile(other, text, false))
      expect(error.message).toBe(`--output ${other} exists and is not a cluster.yml schema: it is not replaced`)
      expect(readFileSync(other, 'utf8')).toBe(content)
    }
    await writeSchemaFile(other, text, true)
    expect(readFileSync(other, 'utf8')).toBe(text)
  })

  it('does not read a file larger than any schema to decide, and refuses a directory', async () => {
    const dir = tempDir()
    const big = join(dir, 'big.json')
    const schema = JSON.stringify({$schema: 'x', properties: {nodes: {}, services: {}}})
    writeFileSync(big, schema.padEnd(4 * 2 ** 20 + 1, ' '))
    await expect(writeSchemaFile(big, '{}', false)).rejects.toThrow(/is not a cluster.yml schema/)
    const exactly = join(dir, 'limit.json')
    writeFileSync(exactly, schema.padEnd(4 * 2 ** 20, ' '))
    await writeSchemaFile(exactly, '{}', false)
    expect(readFileSync(exactly, 'utf8')).toBe('{}')

    const sub = join(dir, 'sub')
    mkdirSync(sub)
    const error = await usageErrorOf(() => writeSchemaFile(sub, '{}', true))
    expect(error.message).toBe(`--output ${sub} is not a regular file (a directory)`)
  })

  it('says which file cannot be written', async () => {
    const file = join(tempDir(), 'missing', 'schema.json')
    const error = await usageErrorOf(() => writeSchemaFile(file, '{}', false))
    expect(error.message).toMatch(new RegExp(`^cannot write ${file}: ENOENT`))
    expect(error.next).toEqual(['Give a file in a directory you can write to.'])
  })
})
