/** config create / validate / schema through the built CLI: output, --json and exit codes. */
import {mkdtempSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {runCli, ROOT} from '../helpers/cli.js'

const dir = () => mkdtempSync(join(tmpdir(), '3fs-cli-config-'))

describe('3fs-cli config', () => {
  it('creates a commented, m3fs-compatible cluster.yml that validates, mounted at /3fs', async () => {
    const cwd = dir()
    const created = await runCli(
      [
        'config',
        'create',
        '--json',
        '--nodes',
        '10.0.0.1,10.0.0.2,10.0.0.3,10.0.0.4',
        '--name',
        'prod',
        '--registry',
        'registry.local:5000',
      ],
      {cwd},
    )
    expect(created.exitCode).toBe(0)
    expect(created.json).toMatchObject({file: 'cluster.yml', replicationFactor: 2, stripeSize: 16})
    const text = readFileSync(join(cwd, 'cluster.yml'), 'utf8')
    expect(text).toContain('hostMountpoint: /3fs')
    expect(text).toContain('registry: "registry.local:5000"')
    expect(text).toMatch(/^# /m)
    // It holds a generated ClickHouse password: only the owner may read it.
    expect(statSync(join(cwd, 'cluster.yml')).mode & 0o777).toBe(0o600)

    const validated = await runCli(['config', 'validate', '--json'], {cwd})
    expect(validated.exitCode).toBe(0)
    expect(validated.json).toMatchObject({
      valid: true,
      name: 'prod',
      nodes: 4,
      mountpoint: '/3fs',
      services: {fdb: 3, storage: 4, client: 4, mgmtd: 1},
      chains: 64,
    })
  })

  it('creates a single-node config with replicationFactor 1 and says so', async () => {
    const cwd = dir()
    const created = await runCli(['config', 'create'], {cwd})
    expect(created.exitCode).toBe(0)
    expect(created.stdout).toContain('replicationFactor 1')
    expect(created.stdout).toContain('no second copy')
  })

  it('refuses to overwrite an existing file without --force', async () => {
    const cwd = dir()
    writeFileSync(join(cwd, 'cluster.yml'), 'mine\n')
    const refused = await runCli(['config', 'create', '--json'], {cwd})
    expect(refused.exitCode).toBe(2)
    expect(refused.json.error.message).toBe('cluster.yml already exists')
    expect(readFileSync(join(cwd, 'cluster.yml'), 'utf8')).toBe('mine\n')
    const forced = await runCli(['config', 'create', '--force'], {cwd})
    expect(forced.exitCode).toBe(0)
  })

  it('rejects bad --nodes values', async () => {
    const result = await runCli(['config', 'create', '--json', '--nodes', 'a=10.0.0.1,b=10.0.0.1'], {cwd: dir()})
    expect(result.exitCode).toBe(2)
    expect(result.json.error.message).toContain('host 10.0.0.1 is given twice')
  })

  it('validate prints every problem as file:line:column path and exits 2', async () => {
    const cwd = dir()
    writeFileSync(
      join(cwd, 'bad.yml'),
      [
        'name: x',
        'nodes:',
        '  - {name: a, host: 10.0.0.1, usrname: root}',
        'services:',
        '  storage: {nodes: [a], diskTyp: dir}',
        '',
      ].join('\n'),
    )
    const result = await runCli(['config', 'validate', '-c', 'bad.yml'], {cwd})
    expect(result.exitCode).toBe(2)
    // username may be left out: it then comes from the SSH config's User, else the local user (issue 17).
    expect(result.stderr).not.toContain('username: is required')
    expect(result.stderr).toContain('bad.yml:3:31 nodes[0].usrname: unknown key. Did you mean "username"?')
    expect(result.stderr).toContain('bad.yml:5:25 services.storage.diskTyp: unknown key. Did you mean "diskType"?')
    expect(result.stderr).toContain('Nothing was changed on any node.')
  })

  it('validate names a missing file and how to make one', async () => {
    const result = await runCli(['config', 'validate', '--json', '-c', 'nope.yml'], {cwd: dir()})
    expect(result.exitCode).toBe(2)
    expect(result.json.error).toMatchObject({message: 'nope.yml does not exist'})
    expect(result.json.error.next[0]).toContain('3fs-cli config create')
  })

  it('accepts the m3fs-style fixture and reports the stripSize warning', async () => {
    const result = await runCli(['config', 'validate', '--json', '-c', join(ROOT, 'test', 'fixtures', 'm3fs-full.yml')])
    expect(result.exitCode).toBe(0)
    expect(result.json.warnings).toHaveLength(1)
    expect(result.json.nodes).toBe(6)
  })

  it('exports a JSON Schema that describes the keys, defaults and extensions', async () => {
    const result = await runCli(['config', 'schema'])
    expect(result.exitCode).toBe(0)
    const schema = result.json
    expect(schema.$schema).toContain('json-schema.org')
    expect(schema.required).toEqual(['name', 'services'])
    expect(schema.additionalProperties).toBe(false)
    expect(schema.properties.services.properties.client.properties.hostMountpoint.default).toBe('/3fs')
    expect(schema.properties.nodes.items.properties.sudoPassword.description).toContain('3fs-cli extension')
    const cwd = dir()
    const written = await runCli(['config', 'schema', '--output', 'cluster.schema.json'], {cwd})
    expect(written.exitCode).toBe(0)
    expect(JSON.parse(readFileSync(join(cwd, 'cluster.schema.json'), 'utf8'))).toEqual(schema)
  })
})

describe('3fs-cli', () => {
  it('prints its version and documents exit codes in help', async () => {
    const version = await runCli(['--version'])
    expect(version.stdout).toMatch(/^3fs-cli\/0\.1\.0 /)
    const help = await runCli(['exec', '--help'])
    expect(help.stdout).toContain('EXIT CODES')
    expect(help.stdout).toContain('5    a node could not be reached')
  })

  it('exits 2 on an unknown flag', async () => {
    const result = await runCli(['config', 'validate', '--bogus'])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain('Nonexistent flag')
  })
})
