import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';
import { ApiError } from '../../core/api/api-error';
import { ErrorAlert } from './error-alert';

/**
 * Loading / error / empty states for one request; the projected content shows when there is data.
 * Every list and detail page uses it so the three states look and read the same everywhere.
 */
@Component({
  selector: 'fp-request-state',
  imports: [ErrorAlert],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (error()) {
      <fp-error-alert [error]="error()" [title]="errorTitle()" [retryable]="true" (retry)="retry.emit()" />
    } @else if (loading() && !hasData()) {
      <div class="state" role="status" aria-live="polite"><span class="spinner"></span><span>{{ loadingText() }}</span></div>
    } @else if (empty()) {
      <div class="state" data-empty>
        <span class="state-title">{{ emptyTitle() }}</span>
        @if (emptyText()) { <span>{{ emptyText() }}</span> }
        <ng-content select="[empty-action]" />
      </div>
    } @else {
      <ng-content />
    }
  `,
})
export class RequestState {
  readonly loading = input(false);
  readonly error = input<ApiError | null>(null);
  readonly empty = input(false);
  readonly hasData = input(false);
  readonly loadingText = input('Loading…');
  readonly errorTitle = input('Could not load this page');
  readonly emptyTitle = input('Nothing here yet');
  readonly emptyText = input('');
  readonly retry = output<void>();
}
