import type { TObject, Static } from 'typebox'
import Value from 'typebox/value'

/** A configuration problem found at start; the message names the offending key. */
export class ConfigError extends Error {
  /** Typed code so callers can tell config failures from other startup errors. */
  readonly code = 'CONFIG_INVALID'
  constructor(message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

/** Where a service's configuration comes from, in increasing precedence. */
export interface ConfigSources {
  /** Environment (usually `process.env`); only keys starting with `prefix` are read. */
  env?: Record<string, string | undefined>
  /** Explicit overrides from code (tests, the demo launcher). */
  overrides?: Record<string, unknown>
}

/** `partTargetMs` → `PART_TARGET_MS`. */
export function envName(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()
}

function parseEnvValue(raw: string): unknown {
  const t = raw.trim()
  // Objects, arrays, numbers and booleans arrive as JSON; anything else stays a string.
  if (/^[[{]/.test(t) || /^-?\d+(\.\d+)?$/.test(t) || t === 'true' || t === 'false') {
    try {
      return JSON.parse(t) as unknown
    } catch {
      // Name the variable (the caller adds it), never the value: it may be a secret.
      throw new ConfigError('invalid JSON (value not shown)')
    }
  }
  return raw
}

function valueAt(root: unknown, pointer: string): unknown {
  let v = root
  for (const part of pointer.split('/').slice(1)) {
    if (typeof v !== 'object' || v === null) return undefined
    v = (v as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')]
  }
  return v
}

/** TypeBox's messages quote the schema, not the value; should one ever quote the value, drop it. */
function safeMessage(message: string, value: unknown): string {
  return typeof value === 'string' && value.length >= 4 && message.includes(value) ? 'invalid value (not shown)' : message
}

/**
 * Validates one service's configuration once at start.
 *
 * Defaults live in the schema (`default` on each property). Environment variables named
 * `<prefix><KEY_IN_SNAKE_CASE>` override defaults, and `overrides` override both. Unknown keys —
 * in overrides or prefixed environment variables — and bad values throw a {@link ConfigError}
 * naming the key, never the value (configuration holds secrets).
 */
export function loadConfig<S extends TObject>(schema: S, prefix: string, sources: ConfigSources = {}): Static<S> {
  const known = new Map<string, string>()
  for (const key of Object.keys(schema.properties)) known.set(prefix + envName(key), key)

  const merged: Record<string, unknown> = {}
  for (const [name, raw] of Object.entries(sources.env ?? {})) {
    if (!name.startsWith(prefix) || raw === undefined) continue
    const key = known.get(name)
    if (key === undefined) throw new ConfigError(`unknown configuration key ${name}`)
    try {
      merged[key] = parseEnvValue(raw)
    } catch (err) {
      throw new ConfigError(`${name}: ${(err as Error).message}`)
    }
  }
  Object.assign(merged, sources.overrides ?? {})

  const withDefaults = Value.Default(schema, Value.Clone(merged))
  const converted = Value.Convert(schema, withDefaults)
  const errors = [...Value.Errors(schema, converted)]
  if (errors.length > 0) {
    const e = errors.find((x) => x.keyword === 'additionalProperties') ?? errors.find((x) => !x.schemaPath.endsWith('/additionalProperties')) ?? errors[0]
    if (e === undefined) throw new ConfigError('invalid configuration')
    if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperties?: string[] }).additionalProperties ?? []
      throw new ConfigError(`unknown configuration key ${extra.join(', ')}`)
    }
    const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.')
    const top = path.split('.')[0] ?? ''
    const where = known.has(prefix + envName(top)) ? `${path} (${prefix}${envName(top)})` : path || '(root)'
    throw new ConfigError(`invalid configuration ${where}: ${safeMessage(e.message, valueAt(converted, e.instancePath))}`)
  }
  return converted as Static<S>
}
