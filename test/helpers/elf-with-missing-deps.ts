/**
 * A real shared library (ELF) built here with the system C compiler that NEEDs libraries this machine
 * does not have: each stub is compiled with its soname, linked against, then deleted, so `ldd` of the
 * result says "<soname> => not found" exactly as on a node missing that package.
 */
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

export function buildElfNeeding(output: string, sonames: string[]): void {
  const scratch = mkdtempSync(join(tmpdir(), 'elf-stubs-'))
  try {
    const links: string[] = []
    sonames.forEach((soname, index) => {
      const source = join(scratch, `stub${index}.c`)
      writeFileSync(source, `int stub_symbol_${index}(void) { return ${index}; }\n`)
      execFileSync('cc', ['-shared', '-fPIC', '-o', join(scratch, soname), `-Wl,-soname,${soname}`, source])
      links.push(`-l:${soname}`)
    })
    const main = join(scratch, 'main.c')
    writeFileSync(
      main,
      `${sonames.map((_, index) => `int stub_symbol_${index}(void);`).join('\n')}\nint entry(void) { return 0${sonames.map((_, index) => ` + stub_symbol_${index}()`).join('')}; }\n`,
    )
    // --no-as-needed: keep every DT_NEEDED even where a toolchain defaults to --as-needed.
    execFileSync('cc', ['-shared', '-fPIC', '-o', output, main, `-L${scratch}`, '-Wl,--no-as-needed', ...links])
  } finally {
    rmSync(scratch, {recursive: true, force: true})
  }
}
