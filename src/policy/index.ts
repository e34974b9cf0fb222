/**
 * Policy catalog (#12), the pure core: load and validate the catalog, match scopes, render and
 * sign profiles once per version, plan what each device needs. No database, no HTTP: the
 * reconciler wires stores and the command queue around these calls (see profiles/README.md).
 */
export { loadCatalog, readCatalogDir, type CatalogSource, type LoadOptions, type LoadResult } from './catalog/catalog-loader';
export type { Catalog, CompiledApp, CompiledEntry, ProfileSpec } from './catalog/compiled-catalog';
export type { AppStoreApp, CatalogEntry, GooglePlayApp, Scope, ScopeSelector } from './catalog/catalog-entry';
export { formatProblem, formatReport, type CatalogProblem, type CatalogReport, type ProblemCode } from './catalog/catalog-report';
export { OrgIndex, placementUnitId, type OrgUnit, type Placement } from './org/org-index';
export { ScopeMatcher } from './scope/scope-matcher';
export { secretSource, secretSourceFromEnv, type DeviceFacts, type SecretSource } from './variables/variable-context';
export { KNOWN_VARIABLES, type VariableLevel } from './variables/variable-names';
export { policyHashKey } from './render/canonical';
export { entryIdOfIdentifier, policyIdentifierPrefix, profileIdentifier, reverseDnsOfUrl, PROFILE_FORMAT } from './render/profile-identity';
export { MAX_PROFILE_BYTES } from './render/profile-limits';
export type { RenderedProfile, RenderSettings } from './render/profile-renderer';
export { PolicyRenderer, type ProfileSigner, type RendererDeps, type SignedProfile } from './render/policy-renderer';
export { VersionResolver, type VersionDeps } from './render/version-resolver';
export { PolicyPlanner, type DevicePlan, type FleetPlan, type HeldItem, type PlanNote, type PlanTotals, type PolicyAction } from './plan/policy-planner';
export type { ItemOutcome, ItemState } from './plan/device-evaluator';
export type { ActionKind, DeviceState, ManagedApp, PendingAction, PolicyFailure, ReportedApp, ReportedProfile } from './plan/device-state';
export { DEFAULT_BACKOFF, recordFailure, type BackoffPolicy, type FailureUpdate } from './plan/backoff';
export { configureAppCommand, installAppCommand, installProfileCommand, removeAppCommand, removeProfileCommand } from './plan/policy-commands';
export { AssumeLicencesExistProvider, type LicenceProvider, type LicenceRequest, type LicenceResult } from './apps/licence-provider';
