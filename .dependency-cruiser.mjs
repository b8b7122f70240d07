// dependency-cruiser: no import cycles in the code we write (`npm run lint:cycles`, part of `npm run lint`).
// `import type` counts: a cycle of types alone still ties the modules together for a reader, and the next value
// import along it becomes a cycle at run time. Break one by moving what both sides need into a module of its own.
/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'This module is part of an import cycle: move what the modules share into a leaf module.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    includeOnly: '^(src|bench|scripts|tools|test)/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
  },
};
