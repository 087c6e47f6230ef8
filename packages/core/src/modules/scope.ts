/**
 * Finds the places where a module refers to its imported bindings, so that the transform can turn them into
 * live reads of the exporting module's namespace (`x` → `__flarelet_i0.x`), as ES module imports are live.
 *
 * A reference is an import reference unless a nearer scope declares the same name. Modules are strict code,
 * so: `var` and parameters are function-scoped; `let`, `const`, `class` and function declarations in blocks
 * are block-scoped (ECMA-262 §B.3.3 sloppy-mode hoisting does not apply); a named function or class
 * expression binds its own name inside itself.
 */
import type { AnyNode } from "./ast.js";

/** How a reference must be rewritten to keep its meaning. */
export type ReferenceKind =
  /** `x` → `ns.x` */
  | "plain"
  /** `{ x }` → `{ x: ns.x }` */
  | "shorthand"
  /** `x()` / x`…` → `(0, ns.x)()`: a call through a namespace must not pass the namespace as `this`. */
  | "callee";

export interface ImportReference {
  node: AnyNode;
  kind: ReferenceKind;
}

type Scope = ReadonlySet<string>;

export function findImportReferences(program: AnyNode, importedNames: ReadonlySet<string>): ImportReference[] {
  const references: ImportReference[] = [];
  if (importedNames.size === 0) return references;
  // Scopes are only ever asked about imported names, so only those are recorded.
  const relevant = (names: Iterable<string>): Set<string> => {
    const set = new Set<string>();
    for (const name of names) if (importedNames.has(name)) set.add(name);
    return set;
  };
  const scopes: Scope[] = [];
  const isShadowed = (name: string): boolean => scopes.some((scope) => scope.has(name));

  const withScope = (names: Iterable<string>, body: () => void): void => {
    const scope = relevant(names);
    if (scope.size === 0) return body();
    scopes.push(scope);
    try {
      body();
    } finally {
      scopes.pop();
    }
  };

  const reference = (node: AnyNode, kind: ReferenceKind): void => {
    if (importedNames.has(node.name) && !isShadowed(node.name)) references.push({ node, kind });
  };

  const visitAll = (nodes: readonly (AnyNode | null)[]): void => {
    for (const node of nodes) if (node !== null) visit(node);
  };

  // Walks a binding pattern. In a declaration (`declaring`) its names are new bindings and only default
  // values and computed keys hold references; as an assignment target (`({ x } = o)`) its names are references.
  const visitPattern = (pattern: AnyNode | null, declaring: boolean): void => {
    if (pattern === null) return;
    switch (pattern.type) {
      case "Identifier":
        if (!declaring) reference(pattern, "plain");
        return;
      case "ObjectPattern":
        for (const property of pattern.properties) {
          if (property.type === "RestElement") visitPattern(property.argument, declaring);
          else if (!declaring && property.shorthand && property.value.type === "Identifier") {
            reference(property.value, "shorthand");
          } else {
            if (property.computed) visit(property.key);
            visitPattern(property.value, declaring);
          }
        }
        return;
      case "ArrayPattern":
        for (const element of pattern.elements) visitPattern(element, declaring);
        return;
      case "RestElement":
        return visitPattern(pattern.argument, declaring);
      case "AssignmentPattern":
        visitPattern(pattern.left, declaring);
        return visit(pattern.right);
      default:
        // A member expression as an assignment target.
        return visit(pattern);
    }
  };

  const visitFunction = (fn: AnyNode): void => {
    const names = new Set<string>();
    if (fn.type === "FunctionExpression" && fn.id) names.add(fn.id.name);
    for (const param of fn.params) collectPatternNames(param, names);
    if (fn.body.type === "BlockStatement") {
      collectVarNames(fn.body, names);
      collectLexicalNames(fn.body.body, names);
    }
    withScope(names, () => {
      for (const param of fn.params) visitPattern(param, true);
      if (fn.body.type === "BlockStatement") visitAll(fn.body.body);
      else visit(fn.body);
    });
  };

  const visitClass = (cls: AnyNode): void => {
    if (cls.superClass) visit(cls.superClass);
    withScope(cls.id ? [cls.id.name] : [], () => {
      for (const member of cls.body.body) {
        if (member.type === "StaticBlock") {
          const names = new Set<string>();
          collectVarNames(member, names);
          collectLexicalNames(member.body, names);
          withScope(names, () => visitAll(member.body));
          continue;
        }
        if (member.computed) visit(member.key);
        if (member.value) visit(member.value);
      }
    });
  };

  function visit(node: AnyNode): void {
    switch (node.type) {
      case "Identifier":
        return reference(node, "plain");
      case "ImportDeclaration":
      case "ExportAllDeclaration":
      case "MetaProperty":
      case "PrivateIdentifier":
      case "Literal":
      case "TemplateElement":
      case "BreakStatement":
      case "ContinueStatement":
      case "DebuggerStatement":
      case "EmptyStatement":
      case "ThisExpression":
      case "Super":
        return;
      case "ExportNamedDeclaration":
        // `export { x }` specifiers are rewritten by the transform itself.
        if (node.declaration) visit(node.declaration);
        return;
      case "ExportDefaultDeclaration":
        return visit(node.declaration);
      case "FunctionDeclaration":
      case "FunctionExpression":
      case "ArrowFunctionExpression":
        return visitFunction(node);
      case "ClassDeclaration":
      case "ClassExpression":
        return visitClass(node);
      case "VariableDeclaration":
        for (const declarator of node.declarations) {
          visitPattern(declarator.id, true);
          if (declarator.init) visit(declarator.init);
        }
        return;
      case "MemberExpression":
        visit(node.object);
        if (node.computed) visit(node.property);
        return;
      case "Property":
        if (node.shorthand && node.value.type === "Identifier") return reference(node.value, "shorthand");
        if (node.computed) visit(node.key);
        return visit(node.value);
      case "CallExpression":
        if (node.callee.type === "Identifier") reference(node.callee, "callee");
        else visit(node.callee);
        return visitAll(node.arguments);
      case "TaggedTemplateExpression":
        if (node.tag.type === "Identifier") reference(node.tag, "callee");
        else visit(node.tag);
        return visit(node.quasi);
      case "LabeledStatement":
        return visit(node.body);
      case "BlockStatement":
      case "StaticBlock": {
        const names = new Set<string>();
        collectLexicalNames(node.body, names);
        return withScope(names, () => visitAll(node.body));
      }
      case "SwitchStatement": {
        visit(node.discriminant);
        const names = new Set<string>();
        for (const switchCase of node.cases) collectLexicalNames(switchCase.consequent, names);
        return withScope(names, () => {
          for (const switchCase of node.cases) {
            if (switchCase.test) visit(switchCase.test);
            visitAll(switchCase.consequent);
          }
        });
      }
      case "ForStatement":
      case "ForInStatement":
      case "ForOfStatement": {
        const head = node.type === "ForStatement" ? node.init : node.left;
        const names = new Set<string>();
        if (head?.type === "VariableDeclaration" && head.kind !== "var") {
          for (const declarator of head.declarations) collectPatternNames(declarator.id, names);
        }
        return withScope(names, () => {
          if (head) {
            if (head.type === "VariableDeclaration") visit(head);
            else visitPattern(head, false);
          }
          if (node.type === "ForStatement") {
            if (node.test) visit(node.test);
            if (node.update) visit(node.update);
          } else visit(node.right);
          visit(node.body);
        });
      }
      case "CatchClause": {
        const names = new Set<string>();
        if (node.param) collectPatternNames(node.param, names);
        return withScope(names, () => {
          if (node.param) visitPattern(node.param, true);
          visit(node.body);
        });
      }
      case "AssignmentExpression":
        visitPattern(node.left, false);
        return visit(node.right);
      default:
        visitChildren(node);
    }
  }

  function visitChildren(node: AnyNode): void {
    for (const key in node) {
      if (key === "type" || key === "start" || key === "end" || key === "loc" || key === "range") continue;
      const value = node[key];
      if (Array.isArray(value)) {
        for (const item of value) if (isNode(item)) visit(item);
      } else if (isNode(value)) visit(value);
    }
  }

  visitAll(program.body);
  return references;
}

function isNode(value: unknown): value is AnyNode {
  return typeof value === "object" && value !== null && typeof (value as AnyNode).type === "string";
}

/** Adds the names a binding pattern declares. */
export function collectPatternNames(pattern: AnyNode | null, names: Set<string>): void {
  if (pattern === null) return;
  switch (pattern.type) {
    case "Identifier":
      names.add(pattern.name);
      return;
    case "ObjectPattern":
      for (const property of pattern.properties) {
        collectPatternNames(property.type === "RestElement" ? property.argument : property.value, names);
      }
      return;
    case "ArrayPattern":
      for (const element of pattern.elements) collectPatternNames(element, names);
      return;
    case "RestElement":
      return collectPatternNames(pattern.argument, names);
    case "AssignmentPattern":
      return collectPatternNames(pattern.left, names);
  }
}

/** Adds the names that `let`, `const`, `class` and (strict-mode) function declarations directly in a block declare. */
function collectLexicalNames(statements: readonly AnyNode[], names: Set<string>): void {
  for (const statement of statements) {
    const declaration =
      statement.type === "ExportNamedDeclaration" || statement.type === "ExportDefaultDeclaration"
        ? statement.declaration
        : statement;
    if (!declaration) continue;
    if (declaration.type === "VariableDeclaration" && declaration.kind !== "var") {
      for (const declarator of declaration.declarations) collectPatternNames(declarator.id, names);
    } else if (
      (declaration.type === "ClassDeclaration" || declaration.type === "FunctionDeclaration") &&
      declaration.id
    ) {
      names.add(declaration.id.name);
    }
  }
}

/** Adds the `var` names hoisted to the function (or static block) whose body is `node`, without entering nested functions. */
function collectVarNames(node: AnyNode | null, names: Set<string>): void {
  if (node === null) return;
  switch (node.type) {
    case "VariableDeclaration":
      if (node.kind === "var") for (const declarator of node.declarations) collectPatternNames(declarator.id, names);
      return;
    case "BlockStatement":
    case "StaticBlock":
      for (const statement of node.body) collectVarNames(statement, names);
      return;
    case "IfStatement":
      collectVarNames(node.consequent, names);
      return collectVarNames(node.alternate, names);
    case "ForStatement":
      collectVarNames(node.init, names);
      return collectVarNames(node.body, names);
    case "ForInStatement":
    case "ForOfStatement":
      collectVarNames(node.left, names);
      return collectVarNames(node.body, names);
    case "WhileStatement":
    case "DoWhileStatement":
    case "LabeledStatement":
      return collectVarNames(node.body, names);
    case "TryStatement":
      collectVarNames(node.block, names);
      collectVarNames(node.handler?.body ?? null, names);
      return collectVarNames(node.finalizer, names);
    case "SwitchStatement":
      for (const switchCase of node.cases) for (const statement of switchCase.consequent) collectVarNames(statement, names);
      return;
  }
}
