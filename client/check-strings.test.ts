import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { catalogueKeys, checkClient, checkSvelteSource, checkTsSource } from './check-strings.ts'

const keys = catalogueKeys(JSON.parse(readFileSync('client/src/i18n/en.json', 'utf8')))
const landing = readFileSync('client/src/pages/Landing.svelte', 'utf8')
const kinds = (f: { kind: string; text: string }[]) => f.map((x) => `${x.kind}: ${x.text}`)

describe('check-strings', () => {
  it('finds nothing in the client as committed', () => {
    expect(checkClient('client/src')).toEqual([])
  })

  it('catches a hard-coded string injected into a real component', () => {
    expect(checkSvelteSource(landing, 'Landing.svelte', keys)).toEqual([])
    const injected = landing.replace('</main>', '<p>Hello world</p>\n</main>')
    expect(kinds(checkSvelteSource(injected, 'Landing.svelte', keys))).toEqual(['text: Hello world'])
  })

  it('catches attributes, expression results, script text and unknown keys; skips code and comparisons', () => {
    const src = `<script lang="ts">
  import { _ } from './i18n/index.ts'
  let status = $state('Saved')
  let ok = $state(false)
  function done(): void { status = 'All done' }
</script>
<button title="Close" aria-label={ok ? 'Yes' : $_('app.loading')} disabled={status === 'busy'}>{$_('no.such.key')}</button>
<input type="submit" value="Send" />
<input name="q" value="search" />
<p><code>npm start</code> <kbd>S</kbd> {ok ? $_('app.name') : ''}</p>`
    expect(kinds(checkSvelteSource(src, 'x.svelte', keys)).sort()).toEqual(
      ['attribute: aria-label=\'Yes\'', 'attribute: title="Close"', 'attribute: value="Send"', 'missing-key: no.such.key', 'script: All done', 'script: Saved'].sort(),
    )
  })

  it('checks shown strings in .ts: error messages, status calls, sentences; not codes or developer errors', () => {
    const src = `
const NETWORK = { error: 'NETWORK', message: 'Check your connection' }
const other = { error: 'HTTP_500', message: '' }
export function f(onStatus: (m: string) => void, t: (k: string) => string): void {
  onStatus('Buffering…')
  onStatus('Reconnecting now')
  onStatus('')
  act('Stream key shown. Keep it secret.')
  t('errors.NETWORK')
  t('errors.NOPE')
  if (NETWORK.error === 'NETWORK' && other.message === '') throw new Error('Bad state reached')
  console.log('Debug output here')
}
declare function act(s: string): void`
    expect(kinds(checkTsSource(src, 'x.ts', keys)).sort()).toEqual(
      ['missing-key: errors.NOPE', 'script: Check your connection', 'script: Reconnecting now', 'script: Stream key shown. Keep it secret.'].sort(),
    )
  })
})
