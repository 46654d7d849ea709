import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterLink } from '@angular/router';

/** Connector development (build, test, publish) arrives in the Studio's next part; until then it points to the CLI. */
@Component({
  selector: 'fp-connector-studio-page',
  imports: [RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="page">
      <header class="page-header">
        <div>
          <h1>Connector Studio</h1>
          <p class="subtitle">Build, test and publish connectors.</p>
        </div>
      </header>
      <div class="state">
        <span class="state-title">Connector development in the browser is not available yet</span>
        <span>Use the CLI meanwhile: <code>npx flowport init</code>, <code>flowport test</code>, <code>flowport publish</code>.</span>
        <span>Published connectors appear in the <a routerLink="/store">Store</a>.</span>
      </div>
    </section>
  `,
})
export class ConnectorStudioPage {}
