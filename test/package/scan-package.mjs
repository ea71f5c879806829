/*
 * `npm run scan`: n8n's verification scanner (@n8n/scan-community-package), offline, on what we
 * publish. The scanner's own CLI needs the package on npm (provenance, then the source the
 * attestation names); its lint legs are what judge the code, and they run here unchanged:
 *   - the source: package.json and nodes/, credentials/ (the scanner's SOURCE_FILE_PATTERNS);
 *   - the tarball `npm pack` makes: every .js file and package.json.
 * Before that it checks the tarball holds only the package (no tests, benchmarks or examples),
 * and after, that the scanner does refuse a planted violation, so a green run means something.
 * Needs a build (npm test builds first).
 */
import { execFileSync } from 'node:child_process';
import {
	cpSync,
	existsSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import {
	analyzePackage,
	SOURCE_FILE_PATTERNS,
} from '@n8n/scan-community-package/scanner/scanner.mjs';

const repo = resolve(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'scenario-scan-'));
const fail = (message) => {
	console.error(`scan: ${message}`);
	process.exitCode = 1;
};

try {
	const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
	for (const entry of [...pkg.n8n.nodes, ...pkg.n8n.credentials]) {
		if (!existsSync(join(repo, entry))) throw new Error(`${entry} is missing: run npm run build`);
	}

	// What npm would publish, unpacked the way the scanner unpacks it.
	const [packed] = JSON.parse(
		execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
			cwd: repo,
			encoding: 'utf8',
		}),
	);
	const tarball = join(work, 'package');
	mkdirSync(tarball);
	execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', tarball, '--strip-components=1']);
	const shipped = packed.files.map((file) => file.path);
	const stray = shipped.filter(
		(path) =>
			!['package.json', 'README.md', 'LICENSE'].includes(path) &&
			!/^dist\/(nodes|credentials)\//.test(path),
	);
	if (stray.length > 0)
		fail(`the tarball holds files that are not the package: ${stray.join(', ')}`);
	console.log(
		`tarball ${packed.filename}: ${shipped.length} files, ${packed.size} bytes (only package.json, README.md, LICENSE, dist/nodes, dist/credentials)`,
	);
	// The icons and codex files (copied by gulpfile.js, not by tsc): each one in the source,
	// once, at its place under dist/, and none anywhere else.
	const isAsset = (path) => /\.(png|svg)$|\.node\.json$/.test(path);
	const expected = ['nodes', 'credentials'].flatMap((dir) =>
		readdirSync(join(repo, dir), { recursive: true })
			.map((path) => `dist/${dir}/${path}`)
			.filter(isAsset),
	);
	const assets = shipped.filter(isAsset);
	const absent = expected.filter((path) => !assets.includes(path));
	const extra = assets.filter((path, i) => !expected.includes(path) || assets.indexOf(path) !== i);
	if (absent.length) fail(`the tarball lacks ${absent.join(', ')}`);
	if (extra.length)
		fail(`the tarball holds icons or codex files from nowhere: ${extra.join(', ')}`);
	if (!absent.length && !extra.length)
		console.log(`tarball: the ${expected.length} icons and codex files, each once under dist/`);

	const legs = [
		['source (package.json, nodes/, credentials/)', repo, SOURCE_FILE_PATTERNS],
		['tarball (every .js, package.json)', tarball, ['**/*.js', 'package.json']],
	];
	for (const [name, dir, patterns] of legs) {
		const result = await analyzePackage(dir, patterns);
		console.log(`scanner, ${name}: ${result.passed ? 'passed' : `FAILED: ${result.message}`}`);
		if (!result.passed) fail(result.details ?? result.message);
	}

	// The same scanner on a copy with one setTimeout in a node: it must refuse it.
	const planted = join(work, 'planted');
	cpSync(join(repo, 'package.json'), join(planted, 'package.json'));
	cpSync(join(repo, 'nodes'), join(planted, 'nodes'), { recursive: true });
	const target = join(planted, 'nodes', 'shared', 'transport', 'request.ts');
	writeFileSync(target, `${readFileSync(target, 'utf8')}\nsetTimeout(() => undefined, 1);\n`);
	const check = await analyzePackage(planted, SOURCE_FILE_PATTERNS);
	if (check.passed || !/no-restricted-globals/.test(check.details ?? '')) {
		fail('the scanner did not refuse a planted setTimeout: its checks are not running');
	} else {
		console.log(
			'scanner, planted setTimeout in nodes/: refused (no-restricted-globals), as it must be',
		);
	}
} catch (error) {
	fail(error instanceof Error ? error.message : String(error));
} finally {
	rmSync(work, { recursive: true, force: true });
}
