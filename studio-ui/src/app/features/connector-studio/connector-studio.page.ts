import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, inject } from '@angular/core';
import { RouterLink } from '@angular/router';
import { ConnectorIcon } from '../../shared/ui/connector-icon';
import { RequestState } from '../../shared/ui/request-state';
import { ConnectorStudioStore } from './connector-studio.store';

/** Connector Studio home: the workspace's own connectors with every published version. */
@Component({
  selector: 'fp-connector-studio-page',
  imports: [RouterLink, DatePipe, RequestState, ConnectorIcon],
  providers: [ConnectorStudioStore],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="page">
      <header class="page-header">
        <div>
          <h1>Connector Studio</h1>
          <p class="subtitle">Connectors this workspace publishes. Build, test and publish new ones in the browser.</p>
        </div>
        <a class="btn btn-primary" routerLink="/studio/new" data-test="new-connector">New connector</a>
      </header>
      <fp-request-state [loading]="store.connectors.loading()" [error]="store.connectors.error()" [hasData]="!!store.connectors.value()?.length"
        [empty]="store.connectors.loaded() && !store.connectors.value()?.length" errorTitle="Could not load your connectors" (retry)="ngOnInit()"
        emptyTitle="No connectors published yet" emptyText="Start from the SDK template: write an action or trigger, test it in the sandbox and publish it.">
        <a empty-action class="btn btn-primary btn-sm" routerLink="/studio/new">New connector</a>
        <div class="stack">
          @for (c of store.connectors.value(); track c.name) {
            <article class="card" [attr.data-connector]="c.name">
              <div class="row">
                <fp-connector-icon [icon]="c.icon" [name]="c.displayName" />
                <div class="grow">
                  <h2 class="card-title">{{ c.displayName }} <span class="subtle mono">{{ c.name }}</span></h2>
                  <p class="subtle">{{ c.description }}</p>
                </div>
                <a class="btn btn-sm" [routerLink]="['/store', c.name]">Open in Store</a>
              </div>
              <table class="table">
                <thead><tr><th scope="col">Version</th><th scope="col">Status</th><th scope="col">Published</th></tr></thead>
                <tbody>
                  @for (v of c.versions; track v.version) {
                    <tr [attr.data-version]="v.version">
                      <td class="mono">{{ v.version }}</td>
                      <td>
                        @if (v.yanked) { <span class="badge badge-danger">yanked</span> }
                        @else if (v.deprecated) { <span class="badge badge-warning">deprecated</span> }
                        @else if (v.version === c.latestVersion) { <span class="badge badge-success">latest</span> }
                        @else { <span class="badge">published</span> }
                        @if (v.signed) { <span class="badge badge-primary">signed</span> }
                      </td>
                      <td class="subtle">{{ v.publishedAt | date: 'medium' }}</td>
                    </tr>
                  }
                </tbody>
              </table>
            </article>
          }
        </div>
      </fp-request-state>
    </section>
  `,
  styles: `
    .grow { flex: 1; min-width: 0; }
    .card-title { margin: 0; display: flex; gap: 8px; align-items: baseline; }
    .mono { font-family: var(--font-mono, monospace); font-size: 12px; }
    .table { margin-top: 12px; }
    .badge + .badge { margin-left: 4px; }
  `,
})
export class ConnectorStudioPage implements OnInit {
  protected readonly store = inject(ConnectorStudioStore);

  ngOnInit(): void {
    void this.store.load();
  }
}
