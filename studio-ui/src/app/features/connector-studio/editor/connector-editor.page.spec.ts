import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { page, settle } from '../../../../testing/fixtures';
import { StudioTestResult } from '../../../core/api/studio-models';
import { CodeEditor } from './code-editor';
import { ConnectorEditorPage } from './connector-editor.page';
import { installCodeMirrorShims } from './jsdom-shims';
import { built, templateFiles } from './studio-fixtures';

describe('ConnectorEditorPage', () => {
  let fixture: ComponentFixture<ConnectorEditorPage>;
  let http: HttpTestingController;
  let el: HTMLElement;
  beforeAll(installCodeMirrorShims);

  beforeEach(async () => {
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(ConnectorEditorPage);
    fixture.componentRef.setInput('name', 'my-connector');
    el = fixture.nativeElement;
    await fixture.whenStable();
    http.expectOne((r) => r.url === '/api/v1/studio/template' && r.params.get('name') === 'my-connector').flush({ files: templateFiles });
    await settle(fixture);
  });

  afterEach(() => http.verify());

  const click = async (selector: string) => {
    el.querySelector<HTMLElement>(selector)!.click();
    await settle(fixture);
  };
  const editorLines = () => [...el.querySelectorAll('.cm-line')].map((l) => l.textContent);
  const editor = () => fixture.debugElement.query((d) => d.componentInstance instanceof CodeEditor).componentInstance as CodeEditor;
  const type = async (selector: string, value: string) => {
    const input = el.querySelector<HTMLInputElement>(selector)!;
    input.value = value;
    input.dispatchEvent(new Event('input'));
    await settle(fixture);
  };
  const buildOk = async () => {
    await click('[data-test=build]');
    http.expectOne('/api/v1/studio/build').flush(built());
    await settle(fixture);
    http.expectOne((r) => r.url === '/api/v1/accounts' && r.params.get('connector') === 'my-connector').flush(page([]));
    await settle(fixture);
  };

  it('shows the template’s files and opens src/index.ts in the editor', async () => {
    expect([...el.querySelectorAll('[data-file]')].map((b) => b.getAttribute('data-file'))).toEqual([
      'src/index.ts',
      'src/lib/actions/get-item.ts',
      'src/lib/triggers/new-items.ts',
    ]);
    expect(editorLines()[4]).toBe("  name: 'my-connector',");
    await click('[data-file="src/lib/actions/get-item.ts"]');
    expect(editorLines()[2]).toBe("  name: 'get-item',");
  });

  it('a failed build lists located problems; clicking one opens the file at the line', async () => {
    await click('[data-test=build]');
    const req = http.expectOne('/api/v1/studio/build');
    expect(Object.keys(req.request.body.files)).toEqual(Object.keys(templateFiles));
    req.flush(
      { error: { code: 'BUILD_FAILED', message: 'The connector does not build', details: [{ path: 'src/lib/actions/get-item.ts:7:11', message: 'Unexpected "Error"' }] } },
      { status: 422, statusText: 'Unprocessable' },
    );
    await settle(fixture);
    const link = el.querySelector<HTMLButtonElement>('[data-problem="src/lib/actions/get-item.ts:7:11"]')!;
    expect(link.closest('li')!.textContent).toContain('Unexpected "Error"');
    expect(el.querySelector('[data-file="src/lib/actions/get-item.ts"] .badge-danger')?.textContent).toBe('1');
    link.click();
    await settle(fixture);
    await new Promise((r) => setTimeout(r, 0));
    expect(el.querySelector('.editor-bar')!.textContent).toContain('src/lib/actions/get-item.ts');
    expect(editor().cursorLine()).toBe(7);
    expect(el.querySelector('.cm-lintRange-error')).not.toBeNull();
  });

  it('builds, shows the manifest, tests an action with props and an inline account, and shows the error line and logs', async () => {
    await buildOk();
    expect(el.querySelector('#manifest-title')!.closest('section')!.textContent).toContain('Get Item');
    expect(el.querySelector('[data-test=manifest-json]')!.textContent).toContain('"allowedHosts"');
    await click('[data-test=run-test]');
    http.expectNone('/api/v1/studio/test');
    expect(el.querySelector('#test-props-itemId-error')?.textContent).toContain('required');
    await type('#test-props-itemId', '42');
    await type('#test-account-apiKey', 'k-1');
    await click('[data-test=run-test]');
    const req = http.expectOne('/api/v1/studio/test');
    expect(req.request.body).toEqual({
      bundle: built().bundle,
      integrity: 'sha256-abc',
      sourceMap: built().sourceMap,
      op: 'action',
      target: 'get-item',
      props: { itemId: '42' },
      account: { apiKey: 'k-1' },
    });
    const result: StudioTestResult = {
      ok: false,
      op: 'action.run',
      output: null,
      logs: [{ level: 'info', message: 'reading item 42', at: '2026-11-26T03:00:00.123Z' }],
      error: { name: 'Error', message: 'boom', stack: 'Error: boom\n    at run (src/lib/actions/get-item.ts:7:11)', file: 'src/lib/actions/get-item.ts', line: 7, column: 11 },
      durationMs: 4,
    };
    req.flush(result);
    await settle(fixture);
    expect(el.querySelector('[data-test=test-error]')!.textContent).toContain('src/lib/actions/get-item.ts:7:11');
    expect(el.querySelector('[data-test=test-logs]')!.textContent).toContain('reading item 42');
    expect(el.querySelector('[data-problem="src/lib/actions/get-item.ts:7:11"]')!.closest('li')!.textContent).toContain('Error: boom');
  });

  it('rebuilds before testing when the sources changed since the last build', async () => {
    await buildOk();
    editor()['docChange'].emit({ path: 'src/index.ts', text: `${templateFiles['src/index.ts']}// edited\n` });
    await settle(fixture);
    expect(el.querySelector('.editor-bar')!.textContent).toContain('changed since the last build');
    await type('#test-props-itemId', '1');
    await type('#test-account-apiKey', 'k');
    await click('[data-test=run-test]');
    const rebuild = http.expectOne('/api/v1/studio/build');
    expect(rebuild.request.body.files['src/index.ts']).toContain('// edited');
    rebuild.flush(built());
    await settle(fixture);
    http.expectOne((r) => r.url === '/api/v1/accounts').flush(page([{ id: 'acc-1', connector: 'my-connector', account: 'apiKey', name: 'Saved', values: {}, createdAt: '', updatedAt: '' }]));
    await settle(fixture);
    http.expectOne('/api/v1/studio/test').flush({ ok: true, op: 'action.run', output: { id: 1 }, logs: [], error: null, durationMs: 2 });
    await settle(fixture);
    expect(el.querySelector('[data-test=test-output]')!.textContent).toContain('"id": 1');
    expect([...el.querySelectorAll('#test-account option')].map((o) => o.textContent?.trim())).toEqual(['Enter values for this test', 'Saved']);
  });

  it('publishes the build to the registry and shows its refusals next to the lines they name', async () => {
    await buildOk();
    await click('[data-test=publish]');
    const invalid = http.expectOne('/api/v1/registry/connectors');
    expect(invalid.request.body).toEqual({ manifest: built().manifest, bundle: built().bundle, integrity: 'sha256-abc' });
    invalid.flush(
      { error: { code: 'INVALID_MANIFEST', message: 'The manifest is invalid', details: [{ path: 'manifest.actions[0].displayName', message: 'must not be empty' }] } },
      { status: 422, statusText: 'Unprocessable' },
    );
    await settle(fixture);
    expect(el.querySelector('[role=alert]')!.textContent).toContain('The registry refused this version');
    expect(el.querySelector('[data-problem="src/lib/actions/get-item.ts:4:3"]')!.closest('li')!.textContent).toContain('must not be empty');

    await click('[data-test=publish]');
    http.expectOne('/api/v1/registry/connectors').flush(
      { error: { code: 'VERSION_EXISTS', message: 'my-connector@0.1.0 is already published; raise the version' } },
      { status: 409, statusText: 'Conflict' },
    );
    await settle(fixture);
    expect(el.querySelector('[data-problem="src/index.ts:6:3"]')!.closest('li')!.textContent).toContain('raise the version');

    await click('[data-test=publish]');
    http.expectOne('/api/v1/registry/connectors').flush({ name: 'my-connector', version: '0.1.0', integrity: 'sha256-abc', publishedAt: '2026-11-26T03:00:00Z' }, { status: 201, statusText: 'Created' });
    await settle(fixture);
    expect(el.querySelector('.alert-success')!.textContent).toContain('my-connector@0.1.0');
    expect(el.querySelector('[data-test=problems]')).toBeNull();
  });
});
