import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * Every `${…}` inside SQL text (a template literal or a concatenation holding SQL keywords)
 * in the given TypeScript sources, classified:
 *  - `placeholder`: `$${n}`, a parameter number;
 *  - `constant`: built only from literals and constants — a `const` whose initializer is
 *    constant, an imported UPPER_CASE constant, a choice between constants, or a module-level helper
 *    called with constants (its parameters count as constant when every call in the file
 *    passes constants);
 *  - `other`: anything else, which must be explained in an allow-list or is a failure.
 * A static check: it reads the code and does not prove what a value holds at run time.
 */
export interface Interpolation {
  file: string;
  line: number;
  expression: string;
  kind: 'placeholder' | 'constant' | 'other';
}

const SQL = /\b(SELECT|INSERT INTO|UPDATE|DELETE FROM|WHERE|VALUES|JOIN|ORDER BY|GROUP BY|RETURNING|ON CONFLICT|set_config)\b/;
const UPPER = /^[A-Z][A-Z0-9_]*$/;

export function sourceFiles(root: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const full = path.join(root, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

export const normalize = (text: string) => text.replace(/\s+/g, ' ').trim();

export function scanSql(file: string, text = readFileSync(file, 'utf8')): Interpolation[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Interpolation[] = [];
  const at = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;

  const visit = (node: ts.Node) => {
    if (ts.isTemplateExpression(node)) {
      const literal = [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(' ');
      if (SQL.test(literal)) {
        node.templateSpans.forEach((span, i) => {
          const kind = placeholderAt(node, i) ? 'placeholder' : isConstant(span.expression, 0) ? 'constant' : 'other';
          found.push({ file, line: at(span.expression), expression: normalize(span.expression.getText(source)), kind });
        });
      }
    }
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
      for (const [side, other] of [
        [node.left, node.right],
        [node.right, node.left],
      ] as const) {
        if ((ts.isStringLiteral(side) || ts.isNoSubstitutionTemplateLiteral(side)) && SQL.test(side.text) && !(ts.isStringLiteral(other) || ts.isNoSubstitutionTemplateLiteral(other))) {
          found.push({ file, line: at(other), expression: normalize(other.getText(source)), kind: isConstant(other, 0) ? 'constant' : 'other' });
        }
      }
    }
    ts.forEachChild(node, visit);
  };

  function placeholderAt(template: ts.TemplateExpression, i: number): boolean {
    const before = i === 0 ? template.head.text : template.templateSpans[i - 1].literal.text;
    return before.endsWith('$');
  }

  function isConstant(e: ts.Expression, depth: number): boolean {
    if (depth > 12) return false;
    if (ts.isStringLiteral(e) || ts.isNumericLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return true;
    if (ts.isParenthesizedExpression(e)) return isConstant(e.expression, depth + 1);
    if (ts.isTemplateExpression(e)) return e.templateSpans.every((s, i) => placeholderAt(e, i) || isConstant(s.expression, depth + 1));
    if (ts.isConditionalExpression(e)) return isConstant(e.whenTrue, depth + 1) && isConstant(e.whenFalse, depth + 1);
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) return isConstant(e.left, depth + 1) && isConstant(e.right, depth + 1);
    if (ts.isIdentifier(e)) {
      const initializer = constInitializer(e);
      if (initializer) return isConstant(initializer, depth + 1);
      // Imported UPPER_CASE names are the project's constant SQL fragments (column lists).
      return UPPER.test(e.text) || isParameterAlwaysConstant(e, depth + 1);
    }
    if (ts.isCallExpression(e) && ts.isIdentifier(e.expression) && moduleFunction(e.expression.text)) {
      return e.arguments.every((a) => isConstant(a, depth + 1));
    }
    return false;
  }

  /** The initializer of the nearest `const` of that name in an enclosing block, if any. */
  function constInitializer(id: ts.Identifier): ts.Expression | undefined {
    for (let scope: ts.Node | undefined = id.parent; scope; scope = scope.parent) {
      const statements = (scope as { statements?: ts.NodeArray<ts.Statement> }).statements;
      if (!statements) continue;
      for (const statement of statements) {
        if (!ts.isVariableStatement(statement) || !(statement.declarationList.flags & ts.NodeFlags.Const)) continue;
        for (const d of statement.declarationList.declarations) {
          if (ts.isIdentifier(d.name) && d.name.text === id.text && d.initializer) return d.initializer;
        }
      }
    }
    return undefined;
  }

  /** A module-level function declaration or `const f = (…) =>`, by name. */
  function moduleFunction(name: string): ts.SignatureDeclaration | undefined {
    for (const statement of source.statements) {
      if (ts.isFunctionDeclaration(statement) && statement.name?.text === name) return statement;
      if (ts.isVariableStatement(statement)) {
        for (const d of statement.declarationList.declarations) {
          if (ts.isIdentifier(d.name) && d.name.text === name && d.initializer && (ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer))) return d.initializer;
        }
      }
    }
    return undefined;
  }

  /** A parameter of a module-level helper that every call in this file passes a constant for. */
  function isParameterAlwaysConstant(id: ts.Identifier, depth: number): boolean {
    for (let scope: ts.Node | undefined = id.parent; scope; scope = scope.parent) {
      if (!ts.isFunctionDeclaration(scope) && !ts.isArrowFunction(scope) && !ts.isFunctionExpression(scope)) continue;
      const index = scope.parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === id.text);
      if (index === -1) continue;
      const name = ts.isFunctionDeclaration(scope) ? scope.name?.text : ts.isVariableDeclaration(scope.parent) && ts.isIdentifier(scope.parent.name) ? scope.parent.name.text : undefined;
      if (!name || moduleFunction(name) !== scope) return false;
      const calls: ts.CallExpression[] = [];
      const collect = (n: ts.Node) => {
        if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === name) calls.push(n);
        ts.forEachChild(n, collect);
      };
      collect(source);
      return calls.length > 0 && calls.every((c) => c.arguments[index] !== undefined && isConstant(c.arguments[index], depth + 1));
    }
    return false;
  }

  visit(source);
  return found;
}
