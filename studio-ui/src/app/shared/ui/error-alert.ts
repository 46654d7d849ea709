import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';
import { ApiError } from '../../core/api/api-error';

/** An API error: its message, and its details when they could not be shown next to a field. */
@Component({
  selector: 'fp-error-alert',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (error(); as err) {
      <div class="alert alert-error" role="alert">
        <div class="stack-tight">
          <strong>{{ title() }}</strong>
          <div>{{ err.message }}</div>
          @if (showDetails() && err.details.length) {
            <ul>
              @for (d of err.details; track $index) { <li>@if (d.path) {<code>{{ d.path }}</code>: }{{ d.message }}</li> }
            </ul>
          }
        </div>
        @if (retryable()) { <button type="button" class="btn btn-sm" (click)="retry.emit()">Try again</button> }
      </div>
    }
  `,
  styles: `.stack-tight { flex: 1; display: flex; flex-direction: column; gap: 2px; }`,
})
export class ErrorAlert {
  readonly error = input<ApiError | null>(null);
  readonly title = input('Something went wrong');
  readonly showDetails = input(true);
  readonly retryable = input(false);
  readonly retry = output<void>();
}
