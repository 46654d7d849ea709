import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { Router } from '@angular/router';
import { ApiError } from '../../core/api/api-error';
import { SessionStore } from '../../core/auth/session.store';

@Component({
  selector: 'fp-sign-in-page',
  imports: [FormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './sign-in.page.html',
  styleUrl: './sign-in.page.scss',
})
export class SignInPage {
  private readonly session = inject(SessionStore);
  private readonly router = inject(Router);

  /** Query parameters, bound by the router. */
  readonly returnUrl = input<string>();
  readonly expired = input<string>();

  protected readonly apiKey = signal('');
  protected readonly submitting = signal(false);
  protected readonly error = signal<ApiError | null>(null);
  protected readonly fieldError = signal<string | null>(null);

  async submit(): Promise<void> {
    if (this.submitting()) return;
    this.error.set(null);
    this.fieldError.set(null);
    if (!this.apiKey().trim()) {
      this.fieldError.set('API key is required. Create one under Workspace settings or ask your workspace admin.');
      return;
    }
    this.submitting.set(true);
    try {
      await this.session.signIn(this.apiKey());
      const target = this.returnUrl();
      await this.router.navigateByUrl(target && target.startsWith('/') && !target.startsWith('/sign-in') ? target : '/store');
    } catch (err) {
      const apiError = err instanceof ApiError ? err : new ApiError(0, 'client', String(err));
      this.error.set(apiError);
      if (apiError.status === 401) this.fieldError.set(apiError.fieldErrors()['apiKey'] ?? 'This key was not accepted.');
    } finally {
      this.submitting.set(false);
    }
  }
}
