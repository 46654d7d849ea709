import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterLink } from '@angular/router';

/** Runs of flows (status, steps, replay) come with the runtime; this page says so instead of showing an empty table. */
@Component({
  selector: 'fp-executions-page',
  imports: [RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="page">
      <header class="page-header">
        <div>
          <h1>Executions</h1>
          <p class="subtitle">Every run of every flow, searchable by External ID.</p>
        </div>
      </header>
      <div class="state">
        <span class="state-title">Execution history is not available yet</span>
        <span>Runs will be listed here once flows can be activated. Meanwhile, build flows under <a routerLink="/flows">Flows</a>.</span>
      </div>
    </section>
  `,
})
export class ExecutionsPage {}
