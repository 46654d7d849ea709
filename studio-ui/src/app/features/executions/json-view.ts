import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';

/** A JSON value behind a disclosure (native <details>, so keyboard and screen readers work as is). */
@Component({
  selector: 'fp-json-view',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <details class="json" [open]="open()">
      <summary>{{ label() }} <span class="subtle">{{ size() }}</span></summary>
      <pre class="mono">{{ text() }}</pre>
    </details>
  `,
  styles: `
    .json summary { cursor: pointer; font-size: 13px; font-weight: 500; }
    .json pre { margin: 6px 0 0; padding: 8px 10px; max-height: 320px; overflow: auto; background: #f8fafc; border: 1px solid #e2e8f0; border-radius: 6px; white-space: pre-wrap; word-break: break-word; }
  `,
})
export class JsonView {
  readonly label = input.required<string>();
  readonly value = input<unknown>(null);
  readonly open = input(false);
  protected readonly text = computed(() => (this.value() === undefined ? 'undefined' : JSON.stringify(this.value(), null, 2)));
  protected readonly size = computed(() => {
    const v = this.value();
    if (Array.isArray(v)) return `[${v.length}]`;
    if (v && typeof v === 'object') return `{${Object.keys(v).length}}`;
    return v === null || v === undefined ? 'null' : '';
  });
}
