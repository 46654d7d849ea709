import { Component, signal, viewChild } from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { CodeEditor, EditorMarker } from './code-editor';
import { installCodeMirrorShims } from './jsdom-shims';

@Component({
  imports: [CodeEditor],
  template: `<fp-code-editor [path]="path()" [doc]="doc()" [markers]="markers()" (docChange)="changes.push($event)" />`,
})
class Host {
  readonly path = signal('src/index.ts');
  readonly doc = signal('const a = 1;\nconst b = 2;\nexport default a + b;\n');
  readonly markers = signal<EditorMarker[]>([]);
  readonly changes: Array<{ path: string; text: string }> = [];
  readonly editor = viewChild.required(CodeEditor);
}

describe('CodeEditor (CodeMirror 6)', () => {
  let fixture: ComponentFixture<Host>;
  let el: HTMLElement;
  beforeAll(installCodeMirrorShims);

  beforeEach(async () => {
    fixture = TestBed.createComponent(Host);
    el = fixture.nativeElement;
    await fixture.whenStable();
  });

  const content = () => el.querySelector('.cm-content') as HTMLElement;
  const lines = () => [...el.querySelectorAll('.cm-line')].map((l) => l.textContent);

  it('shows the document with line numbers and the file in its label', () => {
    expect(lines()).toEqual(['const a = 1;', 'const b = 2;', 'export default a + b;', '']);
    expect(content().getAttribute('aria-label')).toBe('Source of src/index.ts');
    expect(el.querySelectorAll('.cm-lineNumbers .cm-gutterElement').length).toBeGreaterThanOrEqual(4);
  });

  it('emits edits with the path, and keeps each file’s own text when switching', async () => {
    const view = (fixture.componentInstance.editor() as unknown as { view: { dispatch(spec: object): void } }).view;
    view.dispatch({ changes: { from: 0, insert: '// hi\n' } });
    expect(fixture.componentInstance.changes.at(-1)).toEqual({ path: 'src/index.ts', text: '// hi\nconst a = 1;\nconst b = 2;\nexport default a + b;\n' });
    fixture.componentInstance.path.set('src/lib/x.ts');
    fixture.componentInstance.doc.set('export const x = 1;\n');
    await fixture.whenStable();
    expect(lines()).toEqual(['export const x = 1;', '']);
    expect(content().getAttribute('aria-label')).toBe('Source of src/lib/x.ts');
  });

  it('reveal() puts the cursor on the line; markers become lint diagnostics', async () => {
    fixture.componentInstance.editor().reveal(3, 8);
    expect(fixture.componentInstance.editor().cursorLine()).toBe(3);
    fixture.componentInstance.markers.set([{ line: 2, column: 7, message: 'b is unused', severity: 'error' }]);
    await fixture.whenStable();
    expect(el.querySelector('.cm-lintRange-error')?.textContent).toBe('b');
    expect(el.querySelector('.cm-lint-marker-error')).not.toBeNull();
  });
});
