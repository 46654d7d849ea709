import { ApiError } from '../../../core/api/api-error';
import { locateManifestPath, parseLocation, problemsFromError } from './problems';
import { built, templateFiles } from './studio-fixtures';

describe('problems: server errors located in the sources', () => {
  const manifest = built().manifest;

  it('parses esbuild locations', () => {
    expect(parseLocation('src/lib/actions/get-item.ts:12:5')).toEqual({ file: 'src/lib/actions/get-item.ts', line: 12, column: 5 });
    expect(parseLocation('manifest.version')).toBeNull();
  });

  it('finds the line a manifest path comes from', () => {
    expect(locateManifestPath('manifest.actions[0].displayName', manifest, templateFiles)).toEqual({ file: 'src/lib/actions/get-item.ts', line: 4, column: 3 });
    expect(locateManifestPath('/actions/0', manifest, templateFiles)).toEqual({ file: 'src/lib/actions/get-item.ts', line: 3, column: 3 });
    expect(locateManifestPath('manifest.version', manifest, templateFiles)).toEqual({ file: 'src/index.ts', line: 6, column: 3 });
    expect(locateManifestPath('manifest.triggers[5].props', manifest, templateFiles)).toBeNull();
  });

  it('turns details (or a bare version conflict) into problems', () => {
    const build = new ApiError(422, 'BUILD_FAILED', 'does not build', [
      { path: 'src/index.ts:2:9', message: 'Expected ";"' },
      { path: 'capabilities', message: 'must be an array' },
    ]);
    expect(problemsFromError(build, 'build', null, templateFiles)).toEqual([
      { source: 'build', file: 'src/index.ts', line: 2, column: 9, path: 'src/index.ts:2:9', message: 'Expected ";"' },
      { source: 'build', file: null, line: null, column: null, path: 'capabilities', message: 'must be an array' },
    ]);
    const conflict = new ApiError(409, 'VERSION_EXISTS', 'my-connector@0.1.0 is already published; raise the version');
    expect(problemsFromError(conflict, 'publish', manifest, templateFiles)).toEqual([
      { source: 'publish', file: 'src/index.ts', line: 6, column: 3, path: 'manifest.version', message: 'my-connector@0.1.0 is already published; raise the version' },
    ]);
  });
});
