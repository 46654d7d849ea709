import { Injectable, computed, inject, signal } from '@angular/core';
import { ApiError } from '../../core/api/api-error';
import { InstallsApi } from '../../core/api/installs-api.service';
import { Install, RegistryConnector, RegistryConnectorVersion } from '../../core/api/models';
import { allPages } from '../../core/api/paged-list';
import { RegistryApi } from '../../core/api/registry-api.service';
import { Remote, call } from '../../core/api/remote';

/** One connector's page: registry entry, the manifest of the version being looked at, and its install. */
@Injectable()
export class ConnectorDetailStore {
  private readonly registry = inject(RegistryApi);
  private readonly installs = inject(InstallsApi);

  readonly name = signal('');
  readonly connector = new Remote<RegistryConnector>();
  readonly manifest = new Remote<RegistryConnectorVersion>();
  readonly install = signal<Install | null>(null);
  readonly selectedVersion = signal('');
  readonly busy = signal<'install' | 'update' | 'uninstall' | null>(null);
  readonly actionError = signal<ApiError | null>(null);
  readonly notice = signal<string | null>(null);

  /** Versions a user may install: not yanked, newest first as the registry lists them. */
  readonly installableVersions = computed(() => (this.connector.value()?.versions ?? []).filter((v) => !v.yanked));
  readonly latestVersion = computed(() => this.installableVersions()[0]?.version ?? '');

  async load(name: string): Promise<void> {
    this.name.set(name);
    this.actionError.set(null);
    this.notice.set(null);
    const [connector] = await Promise.all([this.connector.load(this.registry.connector(name)), this.loadInstall(name)]);
    if (!connector) return;
    const version = this.install()?.version ?? this.latestVersion();
    this.selectedVersion.set(version);
    if (version) await this.showVersion(version);
  }

  async showVersion(version: string): Promise<void> {
    this.selectedVersion.set(version);
    await this.manifest.load(this.registry.version(this.name(), version));
  }

  async installSelected(): Promise<void> {
    await this.run('install', async () => {
      const install = await call(this.installs.install(this.name(), this.selectedVersion() || undefined));
      this.install.set(install);
      this.notice.set(`Installed ${this.connector.value()?.displayName ?? this.name()} v${install.version}.`);
    });
  }

  async changeVersion(): Promise<void> {
    await this.run('update', async () => {
      const install = await call(this.installs.changeVersion(this.name(), this.selectedVersion()));
      this.install.set(install);
      this.notice.set(`Now using v${install.version}. Flows pick it up on their next version.`);
    });
  }

  /** A 409 lists the flows that still use the connector in error.details; the page shows them. */
  async uninstall(): Promise<void> {
    await this.run('uninstall', async () => {
      await call(this.installs.uninstall(this.name()));
      this.install.set(null);
      this.notice.set(`Uninstalled ${this.connector.value()?.displayName ?? this.name()}.`);
    });
  }

  private async loadInstall(name: string): Promise<void> {
    try {
      const all = await call(allPages((cursor) => this.installs.list({ limit: 100, cursor })));
      this.install.set(all.find((i) => i.connector === name) ?? null);
    } catch {
      // The page still works without install state; the install button then reports any problem.
      this.install.set(null);
    }
  }

  private async run(kind: 'install' | 'update' | 'uninstall', action: () => Promise<void>): Promise<void> {
    this.busy.set(kind);
    this.actionError.set(null);
    this.notice.set(null);
    try {
      await action();
    } catch (err) {
      this.actionError.set(err instanceof ApiError ? err : new ApiError(0, 'client', String(err)));
    } finally {
      this.busy.set(null);
    }
  }
}
