import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterLink } from '@angular/router';

@Component({
  selector: 'fp-not-found-page',
  imports: [RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="page">
      <div class="state">
        <span class="state-title">This page does not exist</span>
        <span>Check the address, or go back to the <a routerLink="/store">Connector Store</a>.</span>
      </div>
    </section>
  `,
})
export class NotFoundPage {}
