import { describe, expect, it } from 'vitest'
import Type from 'typebox'
import { ConfigError, envName, loadConfig } from './config.ts'

const Schema = Type.Object(
  {
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 8000 }),
    partTargetMs: Type.Integer({ minimum: 200, maximum: 500, default: 333 }),
    origins: Type.Array(Type.String(), { default: [] }),
    verbose: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
)

describe('loadConfig', () => {
  it.each([
    ['partTargetMs', 'PART_TARGET_MS'],
    ['port', 'PORT'],
    ['maxOffersPerAnnounce', 'MAX_OFFERS_PER_ANNOUNCE'],
  ])('maps %s to %s', (key, env) => {
    expect(envName(key)).toBe(env)
  })

  it('applies defaults, then env, then overrides', () => {
    const cfg = loadConfig(Schema, 'X_', { env: { X_PORT: '9000', X_VERBOSE: 'true', OTHER: '1' }, overrides: { partTargetMs: 250 } })
    expect(cfg).toEqual({ port: 9000, partTargetMs: 250, origins: [], verbose: true })
  })

  it('parses JSON arrays from env', () => {
    expect(loadConfig(Schema, 'X_', { env: { X_ORIGINS: '["a","b"]' } }).origins).toEqual(['a', 'b'])
  })

  it.each([
    [{ env: { X_NOPE: '1' } }, /unknown configuration key X_NOPE/],
    [{ overrides: { nope: 1 } }, /unknown configuration key nope/],
    [{ env: { X_PART_TARGET_MS: '900' } }, /partTargetMs \(X_PART_TARGET_MS\)/],
    [{ overrides: { port: 'abc' } }, /port/],
  ])('rejects %j', (sources, message) => {
    expect(() => loadConfig(Schema, 'X_', sources)).toThrow(ConfigError)
    expect(() => loadConfig(Schema, 'X_', sources)).toThrow(message)
  })
})
