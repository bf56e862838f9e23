import { ts } from 'ts-morph';
import type { AppFootprint, AppUsageKind } from '../protocol/app-footprint.js';

/** One use of a provider's SDK at a place in a file. */
export interface AppUsage {
  vendor: string;
  file: string;
  line: number;
  /** The SDK name used (`useUser`), or the module for an import (`@vendor/react`). */
  symbol: string;
  kind: AppUsageKind;
  module: string;
}

export interface EnvVarReference {
  name: string;
  file: string;
  line: number;
}

export interface FileScan {
  usages: AppUsage[];
  envVars: EnvVarReference[];
}

interface Binding {
  footprint: AppFootprint;
  module: string;
  /** The exported name (`*` for a namespace or a default import: members are then looked up). */
  imported: string;
  namespace: boolean;
  /** A webhook marker that only counts when the file reads one of the provider's environment variables. */
  requiresEnvVar?: boolean;
  markerNames?: readonly string[];
}

function scriptKind(file: string): ts.ScriptKind {
  if (file.endsWith('.tsx')) return ts.ScriptKind.TSX;
  if (file.endsWith('.ts') || file.endsWith('.mts') || file.endsWith('.cts')) return ts.ScriptKind.TS;
  // Plain .js files hold JSX in React projects; the JSX grammar parses plain JavaScript too.
  return ts.ScriptKind.JSX;
}

/** Whether `spec` is one of the footprint's modules: `@vendor/` covers the scope, `sdk` covers `sdk/server` but not `sdk-js`. */
export function moduleMatches(spec: string, module: string): boolean {
  if (module.endsWith('/')) return spec.startsWith(module);
  return spec === module || spec.startsWith(module + '/');
}

function footprintOf(spec: string, footprints: readonly AppFootprint[]): AppFootprint | undefined {
  return footprints.find((f) => f.modules.some((m) => moduleMatches(spec, m)));
}

function kindOf(fp: AppFootprint, module: string, name: string, asJsx: boolean): AppUsageKind | undefined {
  for (const [m, table] of Object.entries(fp.moduleSymbols ?? {})) if (moduleMatches(module, m) && table[name]) return table[name];
  const known = fp.symbols[name];
  if (known) return known;
  if (fp.partialModules?.some((m) => moduleMatches(module, m))) return undefined;
  if (asJsx) return 'component';
  if (/^use[A-Z0-9]/.test(name)) return 'hook';
  return 'client';
}

/**
 * Parses one file with the TypeScript compiler's parser (JS and JSX too) and lists every use of
 * the footprints' SDKs: imports and requires, each reference to an imported name (JSX tags are
 * components), namespace members, and the environment variable names the code reads.
 */
export function scanSource(text: string, file: string, footprints: readonly AppFootprint[]): FileScan {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, scriptKind(file));
  const usages: AppUsage[] = [];
  const envVars: EnvVarReference[] = [];
  const bindings = new Map<string, Binding>();
  const lineOf = (node: ts.Node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  const markers: { fp: AppFootprint; module: string; names: readonly string[]; requiresEnvVar?: boolean }[] = [];
  for (const fp of footprints) for (const m of fp.webhookMarkers ?? []) markers.push({ fp, ...m });

  const addImport = (spec: string, node: ts.Node, names: { imported: string; local: string }[], namespaceLocal?: string) => {
    const fp = footprintOf(spec, footprints);
    if (fp) {
      const partial = fp.partialModules?.some((m) => moduleMatches(spec, m)) ?? false;
      const kept = partial ? names.filter((n) => kindOf(fp, spec, n.imported, false) !== undefined) : names;
      if (partial && kept.length === 0 && !namespaceLocal) return;
      usages.push({ vendor: fp.vendor, file, line: lineOf(node), symbol: spec, kind: 'import', module: spec });
      for (const n of kept) bindings.set(n.local, { footprint: fp, module: spec, imported: n.imported, namespace: false });
      if (namespaceLocal) bindings.set(namespaceLocal, { footprint: fp, module: spec, imported: '*', namespace: true });
      return;
    }
    for (const m of markers) {
      if (!moduleMatches(spec, m.module)) continue;
      for (const n of names) {
        if (m.names.includes(n.imported)) {
          bindings.set(n.local, { footprint: m.fp, module: spec, imported: n.imported, namespace: false, requiresEnvVar: m.requiresEnvVar, markerNames: m.names });
        }
      }
      if (namespaceLocal) bindings.set(namespaceLocal, { footprint: m.fp, module: spec, imported: '*', namespace: true, requiresEnvVar: m.requiresEnvVar, markerNames: m.names });
    }
  };

  const bindingNames = (pattern: ts.BindingName): { imported: string; local: string }[] => {
    if (!ts.isObjectBindingPattern(pattern)) return [];
    const out: { imported: string; local: string }[] = [];
    for (const el of pattern.elements) {
      if (!ts.isIdentifier(el.name)) continue;
      const prop = el.propertyName && (ts.isIdentifier(el.propertyName) || ts.isStringLiteral(el.propertyName)) ? el.propertyName.text : el.name.text;
      out.push({ imported: prop, local: el.name.text });
    }
    return out;
  };

  const use = (b: Binding, symbol: string, node: ts.Node, asJsx: boolean, asType: boolean) => {
    let kind: AppUsageKind | undefined;
    if (b.markerNames) kind = b.markerNames.includes(symbol) ? 'webhookHandler' : undefined;
    else kind = asType && !b.footprint.symbols[symbol] ? 'type' : kindOf(b.footprint, b.module, symbol, asJsx);
    if (!kind) return;
    const u: AppUsage & { requiresEnvVar?: boolean } = { vendor: b.footprint.vendor, file, line: lineOf(node), symbol, kind, module: b.module };
    if (b.requiresEnvVar) u.requiresEnvVar = true;
    usages.push(u);
  };

  const envName = (node: ts.Node): string | undefined => {
    // process.env.X, process.env['X'], import.meta.env.X
    let target: ts.Expression | undefined;
    let name: string | undefined;
    if (ts.isPropertyAccessExpression(node)) {
      target = node.expression;
      name = node.name.text;
    } else if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression)) {
      target = node.expression;
      name = node.argumentExpression.text;
    }
    return target && name && isEnvObject(target) ? name : undefined;
  };

  const K = ts.SyntaxKind;
  // The walk keeps the parent in one variable and reuses one callback: most of a large
  // application is code that uses no SDK, so the common path must allocate nothing.
  let parent: ts.Node | undefined;
  const visitChild = (c: ts.Node): void => visit(c);
  const descend = (node: ts.Node, skip?: ts.Node) => {
    const saved = parent;
    parent = node;
    if (skip) ts.forEachChild(node, (c) => (c === skip ? undefined : visit(c)));
    else ts.forEachChild(node, visitChild);
    parent = saved;
  };
  const visit = (node: ts.Node): void => {
    switch (node.kind) {
      case K.Identifier: {
        const id = node as ts.Identifier;
        if (bindings.size === 0 || !parent) return;
        const b = bindings.get(id.text);
        if (b && !b.namespace && isReference(id, parent)) use(b, b.imported, node, false, ts.isTypeReferenceNode(parent) || ts.isExpressionWithTypeArguments(parent));
        return;
      }
      case K.ImportDeclaration: {
        const d = node as ts.ImportDeclaration;
        if (!ts.isStringLiteral(d.moduleSpecifier)) return;
        const clause = d.importClause;
        const names: { imported: string; local: string }[] = [];
        let ns: string | undefined;
        if (clause?.name) ns = clause.name.text; // a default import: its members are the SDK's names
        const nb = clause?.namedBindings;
        if (nb && ts.isNamespaceImport(nb)) ns = nb.name.text;
        if (nb && ts.isNamedImports(nb)) for (const el of nb.elements) names.push({ imported: (el.propertyName ?? el.name).text, local: el.name.text });
        addImport(d.moduleSpecifier.text, node, names, ns);
        return;
      }
      case K.ExportDeclaration: {
        const d = node as ts.ExportDeclaration;
        if (d.moduleSpecifier && ts.isStringLiteral(d.moduleSpecifier)) {
          const fp = footprintOf(d.moduleSpecifier.text, footprints);
          if (fp) usages.push({ vendor: fp.vendor, file, line: lineOf(node), symbol: d.moduleSpecifier.text, kind: 'import', module: d.moduleSpecifier.text });
          return;
        }
        break;
      }
      case K.ImportEqualsDeclaration: {
        const d = node as ts.ImportEqualsDeclaration;
        if (ts.isExternalModuleReference(d.moduleReference) && ts.isStringLiteral(d.moduleReference.expression)) {
          addImport(d.moduleReference.expression.text, node, [], d.name.text);
          return;
        }
        break;
      }
      case K.CallExpression: {
        const call = node as ts.CallExpression;
        const isRequire = ts.isIdentifier(call.expression) && call.expression.text === 'require';
        const isDynamic = call.expression.kind === K.ImportKeyword;
        if ((isRequire || isDynamic) && call.arguments.length >= 1 && ts.isStringLiteralLike(call.arguments[0]!)) {
          const spec = (call.arguments[0] as ts.StringLiteralLike).text;
          // `const x = require(...)` binds here; `await import(...)` is bound by its declaration, below.
          if (parent && ts.isVariableDeclaration(parent)) {
            if (ts.isIdentifier(parent.name)) addImport(spec, node, [], parent.name.text);
            else addImport(spec, node, bindingNames(parent.name));
          } else if (!(parent && ts.isAwaitExpression(parent))) addImport(spec, node, []);
          return;
        }
        break;
      }
      case K.VariableDeclaration: {
        const d = node as ts.VariableDeclaration;
        if (!d.initializer) break;
        // `const { VENDOR_SECRET } = process.env`, and a destructured dynamic import of an SDK module
        let init: ts.Expression = d.initializer;
        if (ts.isAwaitExpression(init)) init = init.expression;
        if (isEnvObject(init) && ts.isObjectBindingPattern(d.name)) {
          for (const n of bindingNames(d.name)) envVars.push({ name: n.imported, file, line: lineOf(node) });
        } else if (ts.isCallExpression(init) && init.expression.kind === K.ImportKeyword && init.arguments[0] && ts.isStringLiteralLike(init.arguments[0])) {
          const spec = init.arguments[0].text;
          if (ts.isIdentifier(d.name)) addImport(spec, init, [], d.name.text);
          else addImport(spec, init, bindingNames(d.name));
          return;
        }
        break;
      }
      case K.PropertyAccessExpression:
      case K.ElementAccessExpression: {
        const env = envName(node);
        if (env !== undefined) {
          envVars.push({ name: env, file, line: lineOf(node) });
          return;
        }
        if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && bindings.size > 0) {
          const b = bindings.get(node.expression.text);
          if (b?.namespace) {
            use(b, node.name.text, node, false, false);
            return;
          }
        }
        break;
      }
      case K.JsxOpeningElement:
      case K.JsxSelfClosingElement: {
        const tag = (node as ts.JsxOpeningElement | ts.JsxSelfClosingElement).tagName;
        if (bindings.size > 0) {
          if (ts.isIdentifier(tag)) {
            const b = bindings.get(tag.text);
            if (b && !b.namespace) use(b, b.imported, node, true, false);
          } else if (ts.isPropertyAccessExpression(tag) && ts.isIdentifier(tag.expression)) {
            const b = bindings.get(tag.expression.text);
            if (b?.namespace) use(b, tag.name.text, node, true, false);
          }
        }
        descend(node, tag);
        return;
      }
      case K.JsxClosingElement:
        return;
    }
    descend(node);
  };
  visit(sf);

  // A svix `Webhook` counts as the provider's webhook handler only in a file that reads its secret.
  const readsVendorEnv = (fp: AppFootprint) => envVars.some((e) => fp.envVarMarkers.some((m) => e.name.includes(m)));
  const kept = usages.filter((u) => !(u as { requiresEnvVar?: boolean }).requiresEnvVar || readsVendorEnv(footprints.find((f) => f.vendor === u.vendor)!));
  for (const u of kept) delete (u as { requiresEnvVar?: boolean }).requiresEnvVar;
  return { usages: kept, envVars };
}

function isEnvObject(e: ts.Expression): boolean {
  if (!ts.isPropertyAccessExpression(e) || e.name.text !== 'env') return false;
  const o = e.expression;
  if (ts.isIdentifier(o)) return o.text === 'process';
  return ts.isMetaProperty(o) && o.keywordToken === ts.SyntaxKind.ImportKeyword && o.name.text === 'meta';
}

/** Whether an identifier refers to a binding (not a property name, a declaration's own name or a label). */
function isReference(id: ts.Identifier, parent: ts.Node): boolean {
  if (ts.isPropertyAccessExpression(parent)) return parent.expression === id;
  if (ts.isQualifiedName(parent)) return parent.left === id;
  if (ts.isPropertyAssignment(parent) || ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent) || ts.isPropertySignature(parent) || ts.isMethodSignature(parent)) {
    return ts.isPropertyAssignment(parent) && parent.initializer === id;
  }
  if (ts.isBindingElement(parent)) return false;
  if (ts.isVariableDeclaration(parent) || ts.isFunctionDeclaration(parent) || ts.isClassDeclaration(parent) || ts.isParameter(parent) || ts.isInterfaceDeclaration(parent) || ts.isTypeAliasDeclaration(parent)) {
    return (parent as { name?: ts.Node }).name !== id;
  }
  if (ts.isJsxAttribute(parent) || ts.isLabeledStatement(parent) || ts.isBreakOrContinueStatement(parent)) return false;
  if (ts.isExportSpecifier(parent)) return (parent.propertyName ?? parent.name) === id;
  return true;
}
