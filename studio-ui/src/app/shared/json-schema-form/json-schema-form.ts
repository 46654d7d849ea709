import { NgTemplateOutlet } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, effect, inject, input, signal } from '@angular/core';
import { AbstractControl, FormControl, ReactiveFormsModule } from '@angular/forms';
import { Subscription, merge } from 'rxjs';
import { SchemaField, SchemaForm, fieldErrorMessage } from './schema-form';

/**
 * Renders a SchemaForm (see buildSchemaForm): labels with required markers, help text,
 * inputs per type and validation messages once a field is touched or the form submitted.
 */
@Component({
  selector: 'fp-json-schema-form',
  imports: [ReactiveFormsModule, NgTemplateOutlet],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './json-schema-form.html',
  styleUrl: './json-schema-form.scss',
})
export class JsonSchemaForm {
  readonly form = input.required<SchemaForm>();
  /** Prefix for element ids so two forms on one page never share an id. */
  readonly idPrefix = input('field');

  /** Bumped on every value/status change so OnPush re-reads the controls' errors. */
  protected readonly revision = signal(0);

  constructor() {
    let sub: Subscription | null = null;
    effect(() => {
      const group = this.form().group;
      sub?.unsubscribe();
      sub = merge(group.statusChanges, group.valueChanges, group.events).subscribe(() => this.revision.update((n) => n + 1));
    });
    inject(DestroyRef).onDestroy(() => sub?.unsubscribe());
  }

  protected id(field: SchemaField): string {
    return `${this.idPrefix()}-${field.path.replace(/\./g, '-')}`;
  }

  protected control(field: SchemaField): FormControl {
    return field.control as FormControl;
  }

  protected error(field: SchemaField): string | null {
    this.revision();
    const c: AbstractControl = field.control;
    if (!c.invalid || !(c.touched || c.dirty)) return null;
    return fieldErrorMessage(field, c.errors);
  }

  protected describedBy(field: SchemaField): string | null {
    const ids: string[] = [];
    if (field.description) ids.push(`${this.id(field)}-help`);
    if (this.error(field)) ids.push(`${this.id(field)}-error`);
    return ids.length ? ids.join(' ') : null;
  }

  protected rangeHint(field: SchemaField): string {
    const { minimum, maximum } = field.schema;
    if (minimum !== undefined && maximum !== undefined) return `${minimum}–${maximum}`;
    if (minimum !== undefined) return `≥ ${minimum}`;
    if (maximum !== undefined) return `≤ ${maximum}`;
    return '';
  }
}
