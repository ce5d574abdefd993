import { describe, expect, it } from 'vitest'
import Type from 'typebox'
import { ConfigError, envName, loadConfig } from './config.ts'

const Schema = Type.Object(
  {
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 8000 }),
    partTargetMs: Type.Integer({ minimum: 200, maximum: 500, default: 333 }),
    origins: Type.Array(Type.String(), { default: [] }),
    verbose: Type.Boolean({ default: false }),
    mode: Type.Union([Type.Literal('a'), Type.Literal('b')], { default: 'a' }),
    token: Type.String({ maxLength: 8, default: '' }),
    code: Type.String({ pattern: '^[a-z]*$', default: '' }),
    keys: Type.Array(Type.String({ minLength: 64 }), { default: [] }),
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
    expect(cfg).toEqual({ port: 9000, partTargetMs: 250, origins: [], verbose: true, mode: 'a', token: '', code: '', keys: [] })
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

  // A value that looks like a secret must never be echoed, whatever makes it invalid.
  const SECRET = 'sk_live_Q2hhbmdlTWVQbGVhc2U9PT0x'
  it.each([
    ['bad JSON in an array', { X_ORIGINS: `[${SECRET}` }, 'X_ORIGINS'],
    ['bad JSON in an object-looking value', { X_TOKEN: `{${SECRET}` }, 'X_TOKEN'],
    ['not an integer', { X_PORT: SECRET }, 'X_PORT'],
    ['too long', { X_TOKEN: SECRET }, 'X_TOKEN'],
    ['not matching the pattern', { X_CODE: SECRET }, 'X_CODE'],
    ['not one of the literals', { X_MODE: SECRET }, 'X_MODE'],
    ['an array item too short', { X_KEYS: JSON.stringify([SECRET]) }, 'X_KEYS'],
    ['not a boolean', { X_VERBOSE: SECRET }, 'X_VERBOSE'],
  ])('names the key but not the value: %s', (_name, env, key) => {
    let message = ''
    try {
      loadConfig(Schema, 'X_', { env })
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError)
      message = (err as Error).message
    }
    expect(message).toContain(key)
    expect(message).not.toContain(SECRET.slice(0, 12))
  })
})
