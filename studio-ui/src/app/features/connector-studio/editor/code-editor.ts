import { ChangeDetectionStrategy, Component, DestroyRef, ElementRef, afterNextRender, effect, inject, input, output, untracked } from '@angular/core';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { javascript } from '@codemirror/lang-javascript';
import { bracketMatching, defaultHighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { type Diagnostic, lintGutter, setDiagnostics } from '@codemirror/lint';
import { EditorSelection, EditorState, type Extension } from '@codemirror/state';
import { EditorView, drawSelection, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from '@codemirror/view';

/** A marker in the editor: 1-based line and column, as the API reports them. */
export interface EditorMarker {
  line: number;
  column: number | null;
  message: string;
  severity: 'error' | 'warning';
}

/**
 * CodeMirror 6 (TypeScript mode) wrapped as a component: `path` + `doc` in, `docChange` out,
 * `markers` shown in the lint gutter and underlined, `reveal(line, column)` to jump to a line.
 * Each file keeps its own EditorState (undo history, selection) while the component lives.
 */
@Component({
  selector: 'fp-code-editor',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: '',
  styles: `
    :host { display: block; height: 100%; min-height: 320px; overflow: hidden; }
    :host ::ng-deep .cm-editor { height: 100%; font-size: 13px; }
    :host ::ng-deep .cm-editor.cm-focused { outline: none; }
    :host ::ng-deep .cm-scroller { font-family: var(--font-mono, ui-monospace, SFMono-Regular, Menlo, monospace); }
  `,
})
export class CodeEditor {
  readonly path = input.required<string>();
  readonly doc = input.required<string>();
  readonly markers = input<EditorMarker[]>([]);
  readonly docChange = output<{ path: string; text: string }>();

  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);
  private view: EditorView | null = null;
  private readonly states = new Map<string, EditorState>();
  private shownPath = '';

  constructor() {
    afterNextRender(() => {
      this.view = new EditorView({ parent: this.host.nativeElement, state: this.stateFor(this.path(), this.doc()) });
      this.shownPath = this.path();
      this.applyMarkers(this.markers());
    });
    effect(() => {
      const path = this.path();
      const doc = this.doc();
      untracked(() => this.show(path, doc));
    });
    effect(() => {
      const markers = this.markers();
      untracked(() => this.applyMarkers(markers));
    });
    inject(DestroyRef).onDestroy(() => this.view?.destroy());
  }

  /** Moves the cursor to a 1-based line (and column), scrolls it into view and focuses the editor. */
  reveal(line: number, column: number | null = null): void {
    const view = this.view;
    if (!view) return;
    const doc = view.state.doc;
    const target = doc.line(Math.min(Math.max(line, 1), doc.lines));
    const pos = Math.min(target.from + Math.max((column ?? 1) - 1, 0), target.to);
    view.dispatch({ selection: EditorSelection.cursor(pos), effects: EditorView.scrollIntoView(pos, { y: 'center' }) });
    view.focus();
  }

  /** The cursor's 1-based line, for tests and the status bar. */
  cursorLine(): number {
    const view = this.view;
    return view ? view.state.doc.lineAt(view.state.selection.main.head).number : 0;
  }

  private show(path: string, doc: string): void {
    const view = this.view;
    if (!view) return;
    if (path !== this.shownPath) {
      this.states.set(this.shownPath, view.state);
      view.setState(this.stateFor(path, doc));
      this.shownPath = path;
      this.applyMarkers(this.markers());
    } else if (view.state.doc.toString() !== doc) {
      // A change from outside (a new template): replace the text, keep the editor.
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: doc } });
    }
  }

  private stateFor(path: string, doc: string): EditorState {
    const kept = this.states.get(path);
    if (kept && kept.doc.toString() === doc) return kept;
    return EditorState.create({ doc, extensions: this.extensions(path) });
  }

  private extensions(path: string): Extension[] {
    return [
      lineNumbers(),
      highlightActiveLineGutter(),
      highlightActiveLine(),
      drawSelection(),
      history(),
      indentOnInput(),
      bracketMatching(),
      syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
      lintGutter(),
      // Wrapped lines: the editor shares the width with the manifest and test panels, and a
      // horizontal scroll hides where an error's column is.
      EditorView.lineWrapping,
      keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
      javascript({ typescript: /\.tsx?$/.test(path) }),
      EditorView.contentAttributes.of({ 'aria-label': `Source of ${path}` }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) this.docChange.emit({ path, text: update.state.doc.toString() });
      }),
    ];
  }

  private applyMarkers(markers: EditorMarker[]): void {
    const view = this.view;
    if (!view) return;
    const doc = view.state.doc;
    const diagnostics: Diagnostic[] = markers
      .filter((m) => m.line >= 1 && m.line <= doc.lines)
      .map((m) => {
        const line = doc.line(m.line);
        const from = Math.min(line.from + Math.max((m.column ?? 1) - 1, 0), line.to);
        return { from, to: m.column === null ? line.to : Math.min(from + 1, line.to), severity: m.severity, message: m.message };
      });
    view.dispatch(setDiagnostics(view.state, diagnostics));
  }
}
