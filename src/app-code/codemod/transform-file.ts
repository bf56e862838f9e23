import { Project, ts } from 'ts-morph';
import type { BindingRule, CodemodRules, ImportTarget, ReplaceRule, TodoNote } from '../../protocol/codemod.js';

export interface CodemodTodo {
  file: string;
  line: number;
  symbol: string;
  text: string;
  docs: string;
}

export interface FileRewrite {
  text: string;
  changed: boolean;
  todos: CodemodTodo[];
  /** Support files (by rule path) this file now imports. */
  supportFilesUsed: string[];
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

export const TODO_MARK = 'TODO(flagless)';

function isLegacy(spec: string, modules: readonly string[]): boolean {
  return modules.some((m) => (m.endsWith('/') ? spec.startsWith(m) : spec === m || spec.startsWith(m + '/')));
}

/** `*\/` inside a block comment would end it early. */
function commentSafe(text: string): string {
  return text.replace(/\*\//g, '* /').replace(/\s+/g, ' ').trim();
}

function scriptKind(file: string): ts.ScriptKind {
  if (file.endsWith('.tsx')) return ts.ScriptKind.TSX;
  if (file.endsWith('.ts') || file.endsWith('.mts') || file.endsWith('.cts')) return ts.ScriptKind.TS;
  return ts.ScriptKind.JSX;
}

/** Parses with ts-morph (the same compiler the result is checked with) and returns the raw tree. */
function parse(project: Project, file: string, text: string): ts.SourceFile {
  return project.createSourceFile(`/${file}`, text, { overwrite: true, scriptKind: scriptKind(file) }).compilerNode;
}

/** Syntax errors in a rewritten file: a rewrite that does not parse is never written. */
export function syntaxErrors(file: string, text: string): string[] {
  // noLib: syntax needs no declarations, and a program with the default libraries parses all of
  // lib.*.d.ts (about 2 s of CPU, measured) on every call.
  const project = new Project({ useInMemoryFileSystem: true, compilerOptions: { jsx: ts.JsxEmit.Preserve, allowJs: true, noLib: true } });
  const sf = project.createSourceFile(`/${file}`, text, { overwrite: true, scriptKind: scriptKind(file) });
  return project
    .getProgram()
    .compilerObject.getSyntacticDiagnostics(sf.compilerNode)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

/**
 * Rewrites one file's uses of the legacy SDK by the rules: imports, JSX components, hooks and
 * helpers (with their destructured results), user-object fields, and TODO(flagless) notes where
 * nothing mechanical exists. Edits are computed on one parse and applied from the end, so a rule
 * never sees another's half-done output. A file with nothing to do comes back unchanged.
 */
export function transformFile(file: string, text: string, rules: CodemodRules, importPathOf: (target: string) => string): FileRewrite {
  const project = new Project({ useInMemoryFileSystem: true, compilerOptions: { jsx: ts.JsxEmit.Preserve, allowJs: true } });
  const sf = parse(project, file, text);
  const edits: Edit[] = [];
  const todos: CodemodTodo[] = [];
  const lineOf = (pos: number) => sf.getLineAndCharacterOfPosition(pos).line + 1;
  const todo = (pos: number, symbol: string, note: TodoNote) => todos.push({ file, line: lineOf(pos), symbol, text: note.text, docs: note.docs });
  const noteText = (note: TodoNote, was?: string) => `${TODO_MARK}: ${commentSafe(note.text)} See ${note.docs}${was ? `. Was: ${commentSafe(was)}` : ''}`;

  // 1. The legacy imports: local name → imported name.
  const locals = new Map<string, string>();
  const legacyImports: ts.ImportDeclaration[] = [];
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier) || !isLegacy(st.moduleSpecifier.text, rules.legacyModules)) continue;
    legacyImports.push(st);
    const nb = st.importClause?.namedBindings;
    if (nb && ts.isNamedImports(nb)) for (const el of nb.elements) locals.set(el.name.text, (el.propertyName ?? el.name).text);
    if (st.importClause?.name || (nb && ts.isNamespaceImport(nb))) {
      todo(st.getStart(sf), st.moduleSpecifier.text, { text: `a default or namespace import of ${st.moduleSpecifier.text} is not rewritten: rewrite its uses by hand`, docs: rules.unknownSymbol.docs });
      return { text, changed: false, todos, supportFilesUsed: [] };
    }
  }
  const needed = new Map<string, Set<string>>(); // module → names
  const need = (t: ImportTarget) => {
    const set = needed.get(t.module) ?? new Set<string>();
    set.add(t.name);
    needed.set(t.module, set);
  };
  const userLocals = new Set<string>();
  // Every name declared in the file, so that a binding the rewrite adds never shadows or clashes.
  const declared = new Set<string>();
  const collect = (n: ts.Node): void => {
    if ((ts.isVariableDeclaration(n) || ts.isFunctionDeclaration(n) || ts.isParameter(n) || ts.isBindingElement(n)) && n.name && ts.isIdentifier(n.name)) declared.add(n.name.text);
    ts.forEachChild(n, collect);
  };
  collect(sf);
  const envNote = rules.env.note;

  const ruleOf = (local: string) => {
    const imported = locals.get(local)!;
    return { imported, rule: rules.symbols[imported] ?? ({ action: 'todo', note: rules.unknownSymbol } as const) };
  };
  const refText = (t: ImportTarget) => (t.member ? `${t.name}.${t.member}` : t.name);
  const enclosingStatement = (n: ts.Node): ts.Node => {
    let cur: ts.Node = n;
    while (cur.parent && !ts.isSourceFile(cur.parent) && !ts.isBlock(cur.parent) && !ts.isModuleBlock(cur.parent) && !ts.isCaseClause(cur.parent)) cur = cur.parent;
    return cur;
  };
  const commentOut = (n: ts.Node, symbol: string, note: TodoNote) => {
    const st = enclosingStatement(n);
    todo(st.getStart(sf), symbol, note);
    edits.push({ start: st.getStart(sf), end: st.getEnd(), text: `/* ${noteText(note, st.getText(sf))} */` });
  };

  const rewriteBindings = (call: ts.Node, rule: ReplaceRule, symbol: string) => {
    let holder: ts.Node = call.parent;
    if (ts.isAwaitExpression(holder)) holder = holder.parent;
    if (ts.isVariableDeclaration(holder) && ts.isIdentifier(holder.name) && rule.resultIsUser) userLocals.add(holder.name.text);
    if (!rule.bindings || !ts.isVariableDeclaration(holder) || !ts.isObjectBindingPattern(holder.name)) {
      if (rule.bindings && !(ts.isExpressionStatement(call.parent) || ts.isVariableDeclaration(holder))) {
        todo(call.getStart(sf), symbol, { text: `the result of ${symbol}() is used without destructuring: check each property it reads against ${refText(rule.to)}`, docs: rule.note?.docs ?? rules.unknownSymbol.docs });
      }
      return;
    }
    const pattern = holder.name;
    const props: { prop: string; local: string }[] = [];
    const derived: { local: string; expr: string }[] = [];
    const kept = new Map<string, string>(); // target prop → local
    for (const el of pattern.elements) {
      const prop = el.propertyName && ts.isIdentifier(el.propertyName) ? el.propertyName.text : ts.isIdentifier(el.name) ? el.name.text : undefined;
      if (!prop || !ts.isIdentifier(el.name) || el.dotDotDotToken || el.initializer) {
        todo(el.getStart(sf), symbol, { text: `this part of ${symbol}()'s result is not rewritten: map it to ${refText(rule.to)} by hand`, docs: rule.note?.docs ?? rules.unknownSymbol.docs });
        return;
      }
      const local = el.name.text;
      const b: BindingRule | undefined = rule.bindings[prop];
      if (b === undefined) {
        // No counterpart: the name stays defined (as undefined) so the code still compiles, with a note.
        const note = { text: `"${prop}" of ${symbol}() has no counterpart in ${refText(rule.to)}: decide what it becomes`, docs: rule.note?.docs ?? rules.unknownSymbol.docs };
        todo(el.getStart(sf), symbol, note);
        derived.push({ local, expr: `undefined /* ${noteText(note)} */` });
        continue;
      }
      if (typeof b === 'string') {
        props.push({ prop: b, local });
        kept.set(b, local);
        if (rule.userBindings?.includes(prop)) userLocals.add(local);
      } else {
        derived.push({ local, expr: b.expr });
        if (rule.userBindings?.includes(prop)) userLocals.add(local);
      }
    }
    // Each derived value names the target properties it reads; bind those that are not bound yet.
    const exprs = derived.map((d) => {
      const expr = d.expr.replace(/\$\{(\w+)\}/g, (_, p: string) => {
        let local = kept.get(p);
        if (!local) {
          // A name the file already uses elsewhere (a later `const user = ...`) gets a prefix.
          const taken = props.some((x) => x.local === p) || derived.some((x) => x.local === p) || declared.has(p);
          local = taken ? `auth${p[0]!.toUpperCase()}${p.slice(1)}` : p;
          props.push({ prop: p, local });
          kept.set(p, local);
        }
        return local;
      });
      return { local: d.local, expr };
    });
    const patternText = `{ ${props.map((p) => (p.prop === p.local ? p.local : `${p.prop}: ${p.local}`)).join(', ')} }`;
    edits.push({ start: pattern.getStart(sf), end: pattern.getEnd(), text: patternText });
    if (exprs.length) {
      const st = enclosingStatement(holder);
      const indent = (() => {
        const lineStart = text.lastIndexOf('\n', st.getStart(sf)) + 1;
        return text.slice(lineStart, st.getStart(sf)).match(/^\s*/)![0];
      })();
      const kw = ts.isVariableDeclarationList(holder.parent) && holder.parent.flags & ts.NodeFlags.Const ? 'const' : 'let';
      edits.push({ start: st.getEnd(), end: st.getEnd(), text: exprs.map((e) => `\n${indent}${kw} ${e.local} = ${e.expr};`).join('') });
    }
  };

  // 2. Every reference to a legacy import, in document order.
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) return;
    if ((ts.isJsxElement(node) || ts.isJsxSelfClosingElement(node)) && locals.size) {
      const opening = ts.isJsxElement(node) ? node.openingElement : node;
      const tag = opening.tagName;
      if (ts.isIdentifier(tag) && locals.has(tag.text)) {
        const { imported, rule } = ruleOf(tag.text);
        if (rule.action === 'todo') {
          todo(node.getStart(sf), imported, rule.note);
          const inJsx = ts.isJsxElement(node.parent) || ts.isJsxFragment(node.parent);
          const comment = `/* ${noteText(rule.note, node.getText(sf))} */`;
          edits.push({ start: node.getStart(sf), end: node.getEnd(), text: inJsx ? `{${comment}}` : `null ${comment}` });
          return;
        }
        need(rule.to);
        const name = refText(rule.to);
        if (rule.jsxProps !== undefined) {
          const attrs = opening.attributes;
          if (attrs.properties.length) todo(attrs.getStart(sf), imported, { text: `props dropped from <${imported}>: ${commentSafe(attrs.getText(sf))}`, docs: rule.note?.docs ?? rules.unknownSymbol.docs });
          edits.push({ start: tag.getStart(sf), end: attrs.getEnd(), text: `${name}${rule.jsxProps ? ' ' + rule.jsxProps : ''}` });
        } else edits.push({ start: tag.getStart(sf), end: tag.getEnd(), text: name });
        if (ts.isJsxElement(node)) {
          const close = node.closingElement.tagName;
          edits.push({ start: close.getStart(sf), end: close.getEnd(), text: name });
        }
        if (rule.note) todo(node.getStart(sf), imported, rule.note);
        ts.forEachChild(node, (c) => (c === opening ? ts.forEachChild(opening.attributes, visit) : c === (node as ts.JsxElement).closingElement ? undefined : visit(c)));
        return;
      }
    }
    if (ts.isIdentifier(node) && locals.has(node.text) && isReference(node)) {
      const { imported, rule } = ruleOf(node.text);
      if (rule.action === 'todo') {
        commentOut(node, imported, rule.note);
        return;
      }
      need(rule.to);
      for (const extra of rule.imports ?? []) need(extra);
      const call = ts.isCallExpression(node.parent) && node.parent.expression === node ? node.parent : undefined;
      if (call && rule.callTemplate) {
        if (call.arguments.length) todo(call.getStart(sf), imported, { text: `arguments of ${imported}() dropped: ${commentSafe(call.arguments.map((a) => a.getText(sf)).join(', '))}`, docs: rule.note?.docs ?? rules.unknownSymbol.docs });
        edits.push({ start: call.getStart(sf), end: call.getEnd(), text: rule.callTemplate });
      } else edits.push({ start: node.getStart(sf), end: node.getEnd(), text: refText(rule.to) });
      if (rule.note) todo(node.getStart(sf), imported, rule.note);
      if (call) rewriteBindings(call, rule, imported);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);

  // 3. User-object fields, and TODO notes at references to the legacy environment variables.
  const visitUsers = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && userLocals.has(node.expression.text)) {
      const field = node.name.text;
      const to = rules.userFields[field];
      // The legacy hook narrowed the user through isSignedIn; the target's user may be null: read it safely.
      if (!node.questionDotToken && !(typeof to === 'object')) {
        const dot = text.indexOf('.', node.expression.getEnd());
        edits.push({ start: dot, end: dot + 1, text: '?.' });
      }
      if (typeof to === 'string' && to !== field) edits.push({ start: node.name.getStart(sf), end: node.name.getEnd(), text: to });
      else if (to && typeof to !== 'string') {
        todo(node.getStart(sf), `user.${field}`, to);
        edits.push({ start: node.getStart(sf), end: node.getEnd(), text: `(undefined /* ${noteText(to, node.getText(sf))} */)` });
        return;
      }
    }
    if (ts.isPropertyAccessExpression(node) && isEnv(node.expression) && rules.env.legacyMarkers.some((m) => node.name.text.includes(m))) {
      const st = enclosingStatement(node);
      const lineStart = text.lastIndexOf('\n', st.getStart(sf)) + 1;
      const before = text.slice(Math.max(0, text.lastIndexOf('\n', lineStart - 2) + 1), st.getStart(sf));
      if (!before.includes(TODO_MARK)) {
        todo(node.getStart(sf), node.name.text, envNote);
        edits.push({ start: st.getStart(sf), end: st.getStart(sf), text: `// ${noteText({ text: `${node.name.text} is the legacy provider's. ${envNote.text}`, docs: envNote.docs })}\n${text.slice(lineStart, st.getStart(sf))}` });
      }
    }
    ts.forEachChild(node, visitUsers);
  };
  visitUsers(sf);

  if (legacyImports.length === 0 && edits.length === 0) return { text, changed: false, todos, supportFilesUsed: [] };

  // 4. Imports: the legacy ones go; the target's take the place of the first.
  const supportFilesUsed: string[] = [];
  const importLines = [...needed].map(([module, names]) => {
    let spec = module;
    if (module.startsWith('~/')) {
      supportFilesUsed.push(module.slice(2));
      spec = importPathOf(module.slice(2));
    }
    return `import { ${[...names].sort().join(', ')} } from '${spec}';`;
  });
  legacyImports.forEach((imp, i) => {
    let end = imp.getEnd();
    if (text[end] === '\n') end++;
    edits.push({ start: imp.getStart(sf), end, text: i === 0 && importLines.length ? importLines.join('\n') + '\n' : '' });
  });

  // Apply from the end; an edit inside one already applied (a TODO'd element's children) is dropped.
  edits.sort((a, b) => a.start - b.start || a.end - b.end);
  const keptEdits: Edit[] = [];
  for (const e of edits) {
    const last = keptEdits[keptEdits.length - 1];
    if (last && e.start < last.end && e.end <= last.end && !(e.start === e.end && e.start === last.end)) continue;
    keptEdits.push(e);
  }
  let out = text;
  for (const e of keptEdits.reverse()) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return { text: out, changed: out !== text, todos, supportFilesUsed };
}

function isEnv(e: ts.Expression): boolean {
  if (!ts.isPropertyAccessExpression(e) || e.name.text !== 'env') return false;
  const o = e.expression;
  if (ts.isIdentifier(o)) return o.text === 'process';
  return ts.isMetaProperty(o);
}

function isReference(id: ts.Identifier): boolean {
  const p = id.parent;
  if (ts.isPropertyAccessExpression(p)) return p.expression === id;
  if (ts.isPropertyAssignment(p)) return p.initializer === id;
  if (ts.isImportSpecifier(p) || ts.isBindingElement(p) || ts.isJsxAttribute(p)) return false;
  if (ts.isVariableDeclaration(p) || ts.isFunctionDeclaration(p) || ts.isParameter(p)) return p.name !== id;
  if (ts.isJsxOpeningElement(p) || ts.isJsxClosingElement(p) || ts.isJsxSelfClosingElement(p)) return false;
  return true;
}
