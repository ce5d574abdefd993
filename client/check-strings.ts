// Build check: fails on user-facing text in client/src that bypasses the message catalogue.
import { readFileSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'svelte/compiler'
import ts from 'typescript'

/** One hard-coded string (or unknown catalogue key) found in a source file. */
export interface StringFinding {
  file: string
  line: number
  kind: 'text' | 'attribute' | 'expression' | 'script' | 'missing-key'
  text: string
}

/** Exact texts that may appear untranslated (non-words only; keep it tiny). */
export const ALLOWED_TEXT: ReadonlySet<string> = new Set(['px', 'ms'])

/** Attributes whose value a person reads or hears. `value` counts on buttons only. */
const USER_ATTRIBUTES = new Set(['aria-label', 'aria-description', 'aria-placeholder', 'aria-roledescription', 'aria-valuetext', 'title', 'placeholder', 'alt', 'label'])
/** Elements whose content is code or data, not prose. */
const VERBATIM = new Set(['code', 'kbd', 'pre', 'samp', 'script', 'style'])
/** Names that hold shown text when assigned, declared or used as an object key. */
const TEXT_SINKS = new Set(['status', 'error', 'message', 'label', 'hint', 'title', 'description', 'placeholder', 'caption', 'heading', 'notice'])
/** Functions whose string arguments are shown. */
const CALL_SINKS = new Set(['status', '#status', 'setStatus', 'onStatus', 'announce', 'alert', 'confirm', 'prompt'])
/** Functions whose first argument is a catalogue key. */
const FORMATTERS = new Set(['$_', '$t', '$format', 't', '_'])

const LETTER = /\p{L}/u
const CODE = /^[A-Z][A-Z0-9_]*$/
const KEY_SHAPE = /^[a-zA-Z][\w]*(\.[\w]+)+$/
/** Looks like prose wherever it appears: a capitalised word followed by more words. */
const SENTENCE = /^\p{Lu}\p{Ll}+[,.:;!?…]?\s+\S/u

/** Flattens a nested catalogue into its dotted keys. */
export function catalogueKeys(json: unknown, prefix = ''): Set<string> {
  const out = new Set<string>()
  for (const [k, v] of Object.entries(json as Record<string, unknown>)) {
    if (typeof v === 'string') out.add(prefix + k)
    else if (v !== null && typeof v === 'object') for (const sub of catalogueKeys(v, `${prefix}${k}.`)) out.add(sub)
  }
  return out
}

const isText = (s: string): boolean => LETTER.test(s) && !ALLOWED_TEXT.has(s.trim())
const lineOf = (source: string, offset: number): number => source.slice(0, offset).split('\n').length

type Node = { type: string; start: number; [k: string]: unknown }
const isNode = (v: unknown): v is Node => v !== null && typeof v === 'object' && typeof (v as Node).type === 'string'

/** Literals in a template expression that end up as the shown value (branches of ?:, ||, ??). */
function resultLiterals(e: Node | null | undefined): Node[] {
  if (!e) return []
  switch (e.type) {
    case 'Literal':
      return typeof e.value === 'string' && isText(e.value) ? [e] : []
    case 'TemplateLiteral':
      return (e.quasis as { value: { cooked: string } }[]).some((q) => isText(q.value.cooked)) ? [e] : []
    case 'ConditionalExpression':
      return [...resultLiterals(e.consequent as Node), ...resultLiterals(e.alternate as Node)]
    case 'LogicalExpression':
      return e.operator === '&&' ? resultLiterals(e.right as Node) : [...resultLiterals(e.left as Node), ...resultLiterals(e.right as Node)]
    case 'SequenceExpression':
      return resultLiterals((e.expressions as Node[]).at(-1))
    case 'TSAsExpression':
    case 'TSNonNullExpression':
      return resultLiterals(e.expression as Node)
    default:
      return []
  }
}

/** Checks one .svelte file: template text and attributes, template expressions, and its scripts. */
export function checkSvelteSource(source: string, file: string, keys: ReadonlySet<string>): StringFinding[] {
  const ast = parse(source, { modern: true }) as unknown as { fragment: Node; instance?: { content: { start: number; end: number } }; module?: { content: { start: number; end: number } } }
  const found: StringFinding[] = []
  const add = (kind: StringFinding['kind'], at: number, text: string): void => {
    found.push({ file, line: lineOf(source, at), kind, text: text.trim().slice(0, 80) })
  }
  const exprText = (n: Node): string => source.slice(n.start, n.end as number)
  const checkKeys = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(checkKeys)
    if (!isNode(n) && (n === null || typeof n !== 'object')) return
    const o = n as Node
    if (o.type === 'CallExpression') {
      const callee = o.callee as Node
      const arg = (o.arguments as Node[])[0]
      if (callee.type === 'Identifier' && FORMATTERS.has(callee.name as string) && arg?.type === 'Literal' && typeof arg.value === 'string' && !keys.has(arg.value)) add('missing-key', arg.start, arg.value)
    }
    for (const [k, v] of Object.entries(o)) if (k !== 'metadata' && typeof v === 'object') checkKeys(v)
  }
  const walk = (n: unknown, verbatim: boolean): void => {
    if (Array.isArray(n)) return n.forEach((c) => walk(c, verbatim))
    if (!isNode(n)) return
    if (n.type === 'Text') {
      if (!verbatim && isText(n.data as string)) add('text', n.start, n.data as string)
      return
    }
    if (n.type === 'ExpressionTag') {
      for (const lit of resultLiterals(n.expression as Node)) add('expression', lit.start, exprText(lit))
      return
    }
    const name = typeof n.name === 'string' ? n.name : ''
    const inVerbatim = verbatim || (n.type === 'RegularElement' && VERBATIM.has(name))
    if (Array.isArray(n.attributes)) {
      const isButton = name === 'button' || (name === 'input' && (n.attributes as Node[]).some((a) => a.name === 'type' && Array.isArray(a.value) && /^(submit|button|reset)$/.test((a.value as Node[])[0]?.data as string)))
      for (const a of n.attributes as Node[]) {
        if (a.type !== 'Attribute') continue
        const attr = a.name as string
        if (n.type === 'Component' && name === 'Rich' && attr === 'id' && Array.isArray(a.value)) {
          const key = (a.value as Node[]).map((p) => p.data).join('')
          if (!keys.has(key)) add('missing-key', a.start, key)
          continue
        }
        if (!USER_ATTRIBUTES.has(attr) && !(attr === 'value' && isButton)) continue
        const parts = Array.isArray(a.value) ? (a.value as Node[]) : isNode(a.value) ? [a.value] : []
        for (const p of parts) {
          if (p.type === 'Text' && isText(p.data as string)) add('attribute', p.start, `${attr}="${p.data as string}"`)
          else if (p.type === 'ExpressionTag') for (const lit of resultLiterals(p.expression as Node)) add('attribute', lit.start, `${attr}=${exprText(lit)}`)
        }
      }
    }
    for (const [k, v] of Object.entries(n)) {
      if (k === 'attributes' || k === 'metadata' || k === 'expression' || k === 'name_loc') continue
      if (typeof v === 'object') walk(v, inVerbatim)
    }
  }
  walk(ast.fragment, false)
  checkKeys(ast.fragment)
  for (const script of [ast.instance, ast.module]) {
    if (!script) continue
    const { start, end } = script.content
    found.push(...checkTsSource(source.slice(start, end), file, keys, lineOf(source, start) - 1))
  }
  return found
}

/** Text for developers: Error messages, console output, module specifiers and type positions. */
function developerText(n: ts.Node): boolean {
  for (let p: ts.Node | undefined = n.parent; p !== undefined; p = p.parent) {
    if (ts.isNewExpression(p) && ts.isIdentifier(p.expression) && p.expression.text.endsWith('Error')) return true
    if (ts.isCallExpression(p) && ts.isPropertyAccessExpression(p.expression) && ts.isIdentifier(p.expression.expression) && p.expression.expression.text === 'console') return true
    if (ts.isImportDeclaration(p) || ts.isExportDeclaration(p) || ts.isTypeNode(p) || ts.isThrowStatement(p)) return true
    if (ts.isStatement(p) || ts.isFunctionLike(p)) return false
  }
  return false
}

const propName = (n: ts.PropertyName | ts.Expression | ts.MemberName): string | null =>
  ts.isIdentifier(n) || ts.isPrivateIdentifier(n) ? n.text : ts.isStringLiteral(n) ? n.text : ts.isPropertyAccessExpression(n) ? propName(n.name) : null

/** Checks TypeScript: strings assigned to text-holding names or passed to status/alert sinks. */
export function checkTsSource(source: string, file: string, keys: ReadonlySet<string>, lineOffset = 0): StringFinding[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const found: StringFinding[] = []
  const add = (kind: StringFinding['kind'], n: ts.Node, text: string): void => {
    found.push({ file, line: sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1 + lineOffset, kind, text: text.slice(0, 80) })
  }
  // A string in a sink is fine when it is a code (`NETWORK`), a catalogue key, or a gettext-style
  // player status whose text is a key under `player.`.
  const shown = (e: ts.Expression | undefined, allowPlayerKey: boolean): void => {
    if (!e) return
    if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e)) return shown(e.expression, allowPlayerKey)
    if (ts.isConditionalExpression(e)) return (shown(e.whenTrue, allowPlayerKey), shown(e.whenFalse, allowPlayerKey))
    if (ts.isBinaryExpression(e) && [ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken].includes(e.operatorToken.kind)) return (shown(e.left, allowPlayerKey), shown(e.right, allowPlayerKey))
    if (ts.isCallExpression(e) && ts.isIdentifier(e.expression) && ['$state', '$derived'].includes(e.expression.text)) return shown(e.arguments[0], allowPlayerKey)
    if (reported.has(e) || (ts.isTemplateExpression(e) && reported.has(e.head))) return
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) {
      const s = e.text
      if (!isText(s) || CODE.test(s)) return
      if (KEY_SHAPE.test(s)) {
        if (!keys.has(s)) add('missing-key', e, s)
        return
      }
      if (allowPlayerKey && keys.has(`player.${s}`)) return
      add('script', e, s)
    } else if (ts.isTemplateExpression(e)) {
      const parts = [e.head.text, ...e.templateSpans.map((s) => s.literal.text)]
      if (parts.some(isText)) add('script', e, e.getText(sf))
    }
  }
  const reported = new Set<ts.Node>()
  const visit = (n: ts.Node): void => {
    if ((ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateHead(n)) && SENTENCE.test(n.text) && !developerText(n) && !keys.has(`player.${n.text}`)) {
      reported.add(n)
      add('script', n, n.text)
    }
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const name = propName(n.left)
      if (name !== null && TEXT_SINKS.has(name)) shown(n.right, false)
    } else if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && TEXT_SINKS.has(n.name.text)) {
      shown(n.initializer, false)
    } else if (ts.isPropertyAssignment(n)) {
      const name = propName(n.name)
      if (name !== null && TEXT_SINKS.has(name)) shown(n.initializer, false)
      // `labelKey: 'latency.live'`: a key held for later formatting must exist.
      if (name !== null && name.endsWith('Key') && ts.isStringLiteral(n.initializer) && KEY_SHAPE.test(n.initializer.text) && !keys.has(n.initializer.text)) add('missing-key', n.initializer, n.initializer.text)
    } else if (ts.isCallExpression(n)) {
      const name = propName(n.expression)
      if (name !== null && CALL_SINKS.has(name)) n.arguments.forEach((a) => shown(a, true))
      const first = n.arguments[0]
      if (name !== null && FORMATTERS.has(name) && ts.isIdentifier(n.expression) && first && ts.isStringLiteral(first) && !keys.has(first.text)) add('missing-key', first, first.text)
    }
    ts.forEachChild(n, visit)
  }
  visit(sf)
  const seen = new Set<string>()
  return found.filter((f) => {
    const id = `${f.line}\u0000${f.text}`
    return seen.has(id) ? false : (seen.add(id), true)
  })
}

const SKIP = /(\.test\.ts|fake-api\.ts|\.d\.ts)$/

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name)
    if (d.isDirectory()) return sourceFiles(p)
    return /\.(svelte|ts)$/.test(d.name) && !SKIP.test(d.name) ? [p] : []
  })
}

/** Checks every .svelte and .ts source under `srcDir` against the English catalogue. */
export function checkClient(srcDir: string): StringFinding[] {
  const keys = catalogueKeys(JSON.parse(readFileSync(join(srcDir, 'i18n', 'en.json'), 'utf8')))
  return sourceFiles(srcDir).flatMap((f) => {
    const src = readFileSync(f, 'utf8')
    const rel = relative(process.cwd(), f)
    return f.endsWith('.svelte') ? checkSvelteSource(src, rel, keys) : checkTsSource(src, rel, keys)
  })
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const findings = checkClient(join(fileURLToPath(new URL('.', import.meta.url)), 'src'))
  for (const f of findings) console.error(`${f.file}:${f.line}  ${f.kind}  ${f.text}`)
  if (findings.length > 0) {
    console.error(`\n${findings.length} user-facing string(s) outside the catalogue; see client/src/i18n/README.md`)
    process.exit(1)
  }
  console.log('check-strings: every user-facing string goes through the catalogue')
}
