import {describe, expect, it} from 'vitest'

import {parseSize} from '../../src/bench/size.js'

describe('sizes in fio units', () => {
  it('reads bare prefixes as 1024-based, as fio does', () => {
    expect(parseSize('4k', '--bs')).toBe(4096)
    expect(parseSize('4K', '--bs')).toBe(4096)
    expect(parseSize('1M', '--bs')).toBe(2 ** 20)
    expect(parseSize('1m', '--bs')).toBe(2 ** 20)
    expect(parseSize('1G', '--size')).toBe(2 ** 30)
    expect(parseSize('2T', '--size')).toBe(2 * 2 ** 40)
    expect(parseSize('1Mi', '--bs')).toBe(2 ** 20)
  })

  it('reads IEC units as 1024-based and SI byte units as 1000-based', () => {
    expect(parseSize('1MiB', '--bs')).toBe(2 ** 20)
    expect(parseSize('16KiB', '--bs')).toBe(16384)
    expect(parseSize('10GB', '--size')).toBe(10e9)
    expect(parseSize('1MB', '--size')).toBe(1e6)
    expect(parseSize('4096', '--bs')).toBe(4096)
  })

  it('names the flag and the units when it cannot read a size', () => {
    expect(() => parseSize('1Q', '--bs')).toThrow(/--bs 1Q is not a size/)
  })
})
