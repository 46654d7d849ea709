/**
 * Answers "which flows still use this connector?" before an uninstall. The flows service
 * provides it (globally, under INSTALL_USAGE_CHECKER); without one no flow blocks an uninstall.
 */
export interface InstallUsageChecker {
  /** Names of the workspace's flows that use the connector. */
  flowsUsing(workspaceId: string, connector: string): Promise<string[]>;
}

export const INSTALL_USAGE_CHECKER = Symbol('INSTALL_USAGE_CHECKER');

export const noInstallUsage: InstallUsageChecker = { flowsUsing: async () => [] };
