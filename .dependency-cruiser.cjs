/**
 * Slate's architecture on one page: which layer may import which. Checked in `npm test`
 * (test/unit/architecture.test.ts) and by `npm run depcruise`.
 *
 *   errors, config ............ leaves: import nothing of Slate's (config only errors)
 *   pki (codec) ............... BER/DER, X.509, CMS, SCEP messages, CSR: pure, node-forge + node:crypto
 *   apple/protocol, schema .... Apple's MDM messages, plist codec, Apple's schemas: pure
 *   db ........................ Db/Tx, migrations, stores: no services, no handlers
 *   ca ........................ the certificate authority (stores certificates and challenges)
 *   policy ................... the policy core: pure (catalog, scope, versions, planner); no database
 *   audit ..................... the hash-chained audit log: above the data layer, below every service that writes it
 *   apple, fleet, background,
 *   reconciler ................ services (reconciler: policy's database side)
 *   admin ..................... admin API services (auth, RBAC, scoped fleet operations)
 *   apple/http, http, admin/http  handlers: translate HTTP ↔ services, no database
 *   app.ts, cli, server.ts .... composition and entry points
 */
const PURE_OK = ['^src/errors/', '^node_modules/', '^(node:)?[a-z_]+$'];

module.exports = {
  forbidden: [
    {
      name: 'protocol-is-pure',
      comment: 'Apple protocol code imports only itself, Apple\'s schemas, errors and libraries.',
      severity: 'error',
      from: { path: '^src/apple/(protocol|schema)/' },
      to: { pathNot: ['^src/apple/(protocol|schema)/', ...PURE_OK] },
    },
    {
      name: 'pki-codec-is-pure',
      comment: 'The PKI codec (src/pki) imports only itself, errors and libraries; storage lives in src/ca.',
      severity: 'error',
      from: { path: '^src/pki/' },
      to: { pathNot: ['^src/pki/', ...PURE_OK] },
    },
    {
      name: 'policy-is-pure',
      comment: 'The policy core plans and renders without I/O: no database (entity types only), services or handlers; src/reconciler wires it.',
      severity: 'error',
      from: { path: '^src/policy/' },
      to: { pathNot: ['^src/policy/', '^src/apple/(protocol|schema)/', '^src/db/entities/', ...PURE_OK] },
    },
    {
      name: 'errors-is-a-leaf',
      severity: 'error',
      from: { path: '^src/errors/' },
      to: { path: '^src/', pathNot: '^src/errors/' },
    },
    {
      name: 'config-is-a-leaf',
      comment: 'Configuration is read first and depends on nothing that it configures.',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/', pathNot: ['^src/config/', '^src/errors/'] },
    },
    {
      name: 'persistence-below-services',
      comment: 'The data layer imports no services, handlers or entry points.',
      severity: 'error',
      from: { path: '^src/db/' },
      to: { path: '^src/(apple|ca|fleet|background|http|cli|policy|reconciler|admin|audit|android|sim)/|^src/(app|server)\\.ts$' },
    },
    {
      name: 'ca-below-apple',
      comment: 'The certificate authority knows nothing of Apple MDM, handlers or entry points.',
      severity: 'error',
      from: { path: '^src/ca/' },
      to: { path: '^src/(apple|fleet|background|http|cli|policy|reconciler|admin|sim)/|^src/(app|server)\\.ts$' },
    },
    {
      name: 'handlers-do-not-touch-the-database',
      comment: 'HTTP handlers only translate: they call services, never stores or SQL.',
      severity: 'error',
      from: { path: '^src/(apple/http|http|admin/http)/' },
      to: { path: '^src/db/' },
    },
    {
      name: 'audit-below-services',
      comment: 'The audit log knows storage and errors only: every service may write it, it calls none of them.',
      severity: 'error',
      from: { path: '^src/audit/' },
      to: { path: '^src/(admin|apple|ca|fleet|background|http|cli|policy|android|sim)/|^src/(app|server)\\.ts$' },
    },
    {
      name: 'admin-services-below-handlers',
      comment: 'Admin services are called by handlers and the CLI, never the other way round.',
      severity: 'error',
      from: { path: '^src/admin/', pathNot: '^src/admin/http/' },
      to: { path: '^src/admin/http/|^src/(http|apple/http)/' },
    },
    {
      name: 'only-entry-points-wire',
      comment: 'Nothing but the entry points imports the composition root or the CLI.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(cli/|server\\.ts$|app\\.ts$)' },
      to: { path: '^src/(app\\.ts$|cli/)' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true, dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.app.json' },
    exclude: { path: '^(dist|test)/' },
  },
};
