// The build's first and last steps, as in n8n's classic node starter:
//   npm run build = gulp clean && tsc && gulp build:icons
// tsc compiles nodes/ and credentials/ into dist/ (tsconfig.json) and emits nothing else; this
// file clears dist/ before it and, after it, copies what n8n reads beside each compiled class:
// the light and dark icons and each node's codex file (<Node>.node.json: categories,
// documentation links). Only nodes/ and credentials/ are copied, so dist/ holds the package
// alone. Then it checks the result: every node and credential package.json names is built, its
// icons (`file:` in its description) are there, and each node has its codex file.
const { existsSync, readFileSync, rmSync } = require('node:fs');
const path = require('node:path');
const { task, src, dest, series } = require('gulp');

const ASSETS = ['nodes/**/*.{png,svg}', 'nodes/**/*.node.json', 'credentials/**/*.{png,svg}'];

task('clean', async () => rmSync('dist', { recursive: true, force: true }));

function copyAssets() {
	// encoding: false: gulp 5 reads files as UTF-8 text by default, which would break PNGs.
	return src(ASSETS, { base: '.', encoding: false }).pipe(dest('dist'));
}

async function checkAssets() {
	const { n8n } = JSON.parse(readFileSync('package.json', 'utf8'));
	const missing = [];
	for (const entry of [...n8n.nodes, ...n8n.credentials]) {
		if (!existsSync(entry)) {
			missing.push(`${entry} (run tsc first)`);
			continue;
		}
		const dir = path.dirname(entry);
		const icons = readFileSync(entry, 'utf8').match(/file:[\w.-]+\.(?:svg|png)/g) ?? [];
		if (icons.length === 0) missing.push(`${entry}: no file: icon in its description`);
		for (const icon of new Set(icons))
			if (!existsSync(path.join(dir, icon.slice('file:'.length))))
				missing.push(path.join(dir, icon.slice('file:'.length)));
		if (entry.endsWith('.node.js')) {
			const codex = entry.replace(/\.js$/, '.json');
			if (!existsSync(codex)) missing.push(codex);
		}
	}
	if (missing.length) throw new Error(`dist/ lacks: ${missing.join(', ')}`);
}

task('build:icons', series(copyAssets, checkAssets));
