import { ChangeDetectionStrategy, Component, computed, input, signal } from '@angular/core';

/** A connector's icon, or its initials when it has none or the image fails to load. */
@Component({
  selector: 'fp-connector-icon',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <span class="connector-icon" [class.small]="size() === 'small'" aria-hidden="true">
      @if (showImage()) {
        <img [src]="icon()" alt="" (error)="failed.set(true)" />
      } @else {
        {{ initials() }}
      }
    </span>
  `,
})
export class ConnectorIcon {
  readonly icon = input<string | null | undefined>('');
  readonly name = input('');
  readonly size = input<'normal' | 'small'>('normal');
  protected readonly failed = signal(false);
  protected readonly showImage = computed(() => !!this.icon() && !this.failed() && /^(https?:|data:image\/|\/)/.test(this.icon() ?? ''));
  protected readonly initials = computed(() =>
    this.name()
      .split(/[\s_-]+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((w) => w[0]?.toUpperCase())
      .join(''),
  );
}
