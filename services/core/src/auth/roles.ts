/**
 * Roles are ordered: each includes the ones below it, so `@Roles('developer')` admits
 * developers and owners. owner: manages workspaces and keys; developer: publishes connectors;
 * member: installs connectors, creates accounts and flows.
 */
export const ROLES = ['member', 'developer', 'owner'] as const;
export type Role = (typeof ROLES)[number];

export function roleAtLeast(actual: Role, required: Role): boolean {
  return ROLES.indexOf(actual) >= ROLES.indexOf(required);
}
