// ESLint rule `layers/direction`: data flows one way,
//   config → connectors → harvester → store → publisher
// and a folder may import only from folders before it in that chain.
// Composition roots (cli/, demo/, bench/, tests/) may import anything.
// Also: nothing outside store/ may import the database drivers (no SQL outside store/).
import path from 'node:path';

export const LAYERS = ['config', 'connectors', 'harvester', 'store', 'publisher'];
const DATABASE_MODULES = /^(better-sqlite3|drizzle-orm)(\/|$)/;

/** The top-level folder of `file` relative to `root`, or undefined when outside it. */
function topFolder(root, file) {
  const rel = path.relative(root, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep)[0];
}

/** @type {import('eslint').Rule.RuleModule} */
const direction = {
  meta: {
    type: 'problem',
    docs: { description: 'enforce the import direction config → connectors → harvester → store → publisher' },
    schema: [{ type: 'object', properties: { root: { type: 'string' } }, additionalProperties: false }],
    messages: {
      backwards:
        '{{from}}/ must not import from {{to}}/: data flows config → connectors → harvester → store → publisher, and a folder imports only from folders before it.',
      database: '{{from}}/ must not import {{module}}: only store/ sees SQL and the database driver.',
    },
  },
  create(context) {
    const root = context.options[0]?.root ?? context.cwd;
    const filename = context.filename;
    const from = topFolder(root, filename);
    const fromIndex = LAYERS.indexOf(from ?? '');
    if (fromIndex < 0) return {};

    function check(node, source) {
      if (typeof source !== 'string') return;
      if (DATABASE_MODULES.test(source) && from !== 'store') {
        context.report({ node, messageId: 'database', data: { from, module: source } });
        return;
      }
      if (!source.startsWith('.')) return;
      const target = topFolder(root, path.resolve(path.dirname(filename), source));
      const toIndex = LAYERS.indexOf(target ?? '');
      if (toIndex > fromIndex) {
        context.report({ node, messageId: 'backwards', data: { from, to: target } });
      }
    }

    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};

export default { rules: { direction } };
