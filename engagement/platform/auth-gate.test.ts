import { describe, it, expect, afterAll } from 'vitest'
import { makeApp } from '../test-support.ts'
import { OPERATION_AUTH } from './auth-gate.ts'

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

describe('authentication comes before validation on every protected operation', async () => {
  const t = await makeApp({ staticDir: '/nonexistent' })
  afterAll(() => t.close())
  const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json<{ paths: Record<string, Record<string, { operationId: string }>> }>()
  // The table comes from the OpenAPI document, so a new route joins it without editing this test.
  const ops = Object.entries(doc.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, op]) => ({ path, method: method.toUpperCase() as Method, id: op.operationId })),
  )
  const protectedOps = ops.filter((o) => OPERATION_AUTH[o.id] !== 'public')
  const garbageUrl = (path: string): string => `${path.replace(/\{[^}]+\}/g, '!!NOT..valid$$')}?limit=-5&eventId=%20&x[]=1&status=bogus`

  it('the document lists the operations, and the public ones are exactly those declared public', () => {
    expect(ops.length).toBeGreaterThan(20)
    const publicIds = ops.filter((o) => OPERATION_AUTH[o.id] === 'public').map((o) => o.id).sort()
    const declared = Object.keys(OPERATION_AUTH).filter((id) => OPERATION_AUTH[id] === 'public' && ops.some((o) => o.id === id)).sort()
    expect(publicIds).toEqual(declared)
    expect(protectedOps.length).toBeGreaterThan(15)
  })

  it.each([
    ['garbage JSON object', '{"garbage":[1,2,{"deep":null}],"email":5}', 'application/json'],
    ['malformed JSON', '{"email": ', 'application/json'],
    ['a form', 'a=1&b=2', 'application/x-www-form-urlencoded'],
    ['no body', undefined, undefined],
  ])('anonymous call with %s, garbage params and query → 401 on every protected operation', async (_name, payload, contentType) => {
    const answers: string[] = []
    for (const o of protectedOps) {
      const hasBody = o.method !== 'GET' && payload !== undefined
      const r = await t.app.inject({
        method: o.method,
        url: garbageUrl(o.path),
        ...(hasBody ? { payload, headers: { 'content-type': contentType ?? '' } } : {}),
      })
      answers.push(`${o.id} ${r.statusCode} ${r.statusCode === 401 ? '' : r.body.slice(0, 80)}`)
    }
    expect(answers).toEqual(protectedOps.map((o) => `${o.id} 401 `))
  })

  it('a wrong session cookie is as anonymous as none', async () => {
    const o = protectedOps.find((x) => x.id === 'updateMonetization')
    expect(o).toBeDefined()
    const r = await t.app.inject({ method: 'PUT', url: garbageUrl(o?.path ?? ''), headers: { cookie: `${t.ctx.config.cookieName}=${'x'.repeat(43)}` }, payload: { nope: 1 } })
    expect(r.statusCode).toBe(401)
    expect(r.json()).toMatchObject({ error: 'UNAUTHENTICATED' })
  })
})
