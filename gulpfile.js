// Copies what tsc does not emit next to the compiled files in dist/, where n8n looks for them:
// the icons and each node's codex file (<Node>.node.json: categories, documentation links).
const path = require('node:path');
const { task, src, dest } = require('gulp');

task('build:icons', () =>
	src(['nodes/**/*.{png,svg}', 'nodes/**/*.node.json', 'credentials/**/*.{png,svg}'], {
		base: '.',
		encoding: false,
	}).pipe(dest(path.resolve('dist'))),
);
