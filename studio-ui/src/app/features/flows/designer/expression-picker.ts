import { ChangeDetectionStrategy, Component, computed, input, output } from '@angular/core';
import { PickerPath, firstSample, samplePaths, wrapExpression } from './expressions';

export interface EarlierStep {
  name: string;
  /** The action's `sampleOutput` when its manifest has one. */
  sampleOutput?: unknown;
}

/**
 * Data a step can use: the trigger's sample message (manifest `sampleData`) and the outputs of
 * earlier steps. Picking a path emits `{{ path }}` for the field that had focus last.
 */
@Component({
  selector: 'fp-expression-picker',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="picker" aria-labelledby="picker-title">
      <h3 id="picker-title" class="picker-title">Insert data</h3>
      <p class="subtle">Click into a field, then pick a value to insert it as an expression.</p>
      <h4 class="picker-group">Trigger</h4>
      @if (triggerPaths().length) {
        <ul class="picker-list">
          @for (p of triggerPaths(); track p.path) {
            <li><button type="button" class="picker-item" [style.padding-left.px]="8 + p.depth * 12" [attr.data-path]="p.path" [title]="p.path" (mousedown)="$event.preventDefault()" (click)="pick.emit(wrap(p.path))">
              <span class="mono">{{ label(p) }}</span>@if (p.preview) { <span class="subtle preview">{{ p.preview }}</span> }
            </button></li>
          }
        </ul>
      } @else {
        <p class="muted">This trigger has no sample data, so its fields are unknown here. Type paths by hand, e.g. <code>trigger.messages[0].payload.id</code>.</p>
      }
      <h4 class="picker-group">Earlier steps</h4>
      @if (stepPaths().length) {
        <ul class="picker-list">
          @for (p of stepPaths(); track p.path) {
            <li><button type="button" class="picker-item" [style.padding-left.px]="8 + p.depth * 12" [attr.data-path]="p.path" [title]="p.path" (mousedown)="$event.preventDefault()" (click)="pick.emit(wrap(p.path))">
              <span class="mono">{{ label(p) }}</span>@if (p.preview) { <span class="subtle preview">{{ p.preview }}</span> }
            </button></li>
          }
        </ul>
      } @else {
        <p class="muted">No earlier steps: this is the first step after the trigger.</p>
      }
    </section>
  `,
  styles: `
    .picker { display: flex; flex-direction: column; gap: 4px; }
    .picker-title { font-size: 14px; margin: 0; }
    .picker-group { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; margin: 8px 0 2px; color: var(--fp-muted, #64748b); }
    .picker-list { list-style: none; margin: 0; padding: 0; max-height: 260px; overflow: auto; }
    .picker-item { display: flex; gap: 8px; width: 100%; text-align: left; border: 0; background: none; padding: 3px 8px; border-radius: 4px; cursor: pointer; font: inherit; font-size: 12px; }
    .picker-item:hover, .picker-item:focus-visible { background: rgba(79, 70, 229, .08); }
    .preview { margin-left: auto; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 45%; }
  `,
})
export class ExpressionPicker {
  /** The trigger manifest's `sampleData`; undefined when the trigger has none. */
  readonly sampleData = input<unknown>(undefined);
  /** True for connector triggers (messages with payloads); platform triggers give `trigger.input`. */
  readonly connectorTrigger = input(true);
  readonly earlierSteps = input<EarlierStep[]>([]);
  readonly pick = output<string>();

  protected readonly wrap = wrapExpression;

  protected readonly triggerPaths = computed<PickerPath[]>(() => {
    const sample = firstSample(this.sampleData());
    if (!this.connectorTrigger()) return samplePaths('trigger.input', sample ?? null);
    const base: PickerPath[] = [
      { path: 'trigger.messages', preview: '', depth: 0 },
      { path: 'trigger.messages[0].externalId', preview: '', depth: 1 },
    ];
    return sample === undefined ? [] : [...base, ...samplePaths('trigger.messages[0].payload', sample, 1)];
  });

  protected readonly stepPaths = computed<PickerPath[]>(() =>
    this.earlierSteps().flatMap((s) => (s.sampleOutput === undefined ? [{ path: `steps.${s.name}`, preview: '', depth: 0 }] : samplePaths(`steps.${s.name}`, s.sampleOutput))),
  );

  /** The last segment for nested rows, the full path at the top. */
  protected label(p: PickerPath): string {
    if (p.depth === 0) return p.path;
    const m = p.path.match(/(\.[^.[]+|\.`[^`]*`|\[\d+\])$/);
    return m ? m[1] : p.path;
  }
}
