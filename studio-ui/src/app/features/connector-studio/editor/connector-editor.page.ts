import { JsonPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, computed, inject, input, viewChild } from '@angular/core';
import { RouterLink } from '@angular/router';
import { JsonSchemaForm } from '../../../shared/json-schema-form/json-schema-form';
import { ErrorAlert } from '../../../shared/ui/error-alert';
import { KindBadge } from '../../../shared/ui/kind-badge';
import { RequestState } from '../../../shared/ui/request-state';
import { CodeEditor, EditorMarker } from './code-editor';
import { ConnectorEditorStore, TestKind } from './connector-editor.store';
import { SourceProblem } from './problems';

/** New connector: file tree, CodeMirror editor, manifest preview, Build & Test, Publish. */
@Component({
  selector: 'fp-connector-editor-page',
  imports: [RouterLink, JsonPipe, CodeEditor, JsonSchemaForm, ErrorAlert, RequestState, KindBadge],
  providers: [ConnectorEditorStore],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './connector-editor.page.html',
  styleUrl: './connector-editor.page.scss',
})
export class ConnectorEditorPage implements OnInit {
  protected readonly store = inject(ConnectorEditorStore);
  private readonly editor = viewChild(CodeEditor);

  /** `?name=` names the new connector in the template (default my-connector). */
  readonly name = input<string>();

  protected readonly markers = computed<EditorMarker[]>(() =>
    this.store.activeProblems().map((p) => ({ line: p.line ?? 1, column: p.column, message: p.message, severity: 'error' as const })),
  );
  protected readonly problemCounts = computed(() => {
    const counts: Record<string, number> = {};
    for (const p of this.store.problems()) if (p.file) counts[p.file] = (counts[p.file] ?? 0) + 1;
    return counts;
  });
  /** Manifest-level problems (no file found), shown in the manifest panel. */
  protected readonly unlocated = computed(() => this.store.problems().filter((p) => p.file === null));

  ngOnInit(): void {
    void this.store.init(this.name() || 'my-connector');
  }

  /** Opens the problem's file and puts the cursor on its line. */
  protected jump(problem: SourceProblem): void {
    if (!problem.file) return;
    this.store.open(problem.file);
    // The editor swaps documents on the next change detection; reveal after that.
    queueMicrotask(() => setTimeout(() => this.editor()?.reveal(problem.line ?? 1, problem.column)));
  }

  protected setKind(kind: string): void {
    this.store.setTestKind(kind as TestKind);
  }

  protected label(problem: SourceProblem): string {
    if (!problem.file) return problem.path || problem.source;
    return problem.line ? `${problem.file}:${problem.line}${problem.column ? `:${problem.column}` : ''}` : problem.file;
  }

  /** `src/lib/actions/get-item.ts` -> `lib/actions/` (src/ is where every connector file lives). */
  protected folder(file: string): string {
    const dir = file.replace(/^src\//, '').split('/').slice(0, -1).join('/');
    return dir ? `${dir}/` : '';
  }

  protected baseName(file: string): string {
    return file.split('/').pop() ?? file;
  }
}
