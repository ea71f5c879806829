/*
 * `npm run test:scripts` (the last step of `npm test`): each developer script that jest does not
 * run, in its smallest form, exactly as a developer starts it, so that a script broken on a fresh
 * clone fails CI. Runs after jest, so the demo finds n8n 2.40.7 already installed by the
 * end-to-end tests (it installs it itself when run alone). One line per script: what ran, its
 * time and its own last word; the whole output when it fails.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..', '..');
const TIMEOUT_MS = 15 * 60_000;

const lines = (output, pattern) => output.split('\n').filter((line) => pattern.test(line));

/** The script's arguments, and what its output says it did (undefined: not what it should say). */
const SCRIPTS = [
	// Every benchmark at its smallest (the memory one in its own child process, as in a full run).
	{ args: ['bench', '--', '--smoke'], said: (out) => lines(out, /^bench --smoke: ok/)[0] },
	// Every route of the live smoke run, against the simulator.
	{
		args: ['smoke:live', '--', '--simulator'],
		said: (out) => {
			const ok = lines(out, /^✓ \S+: ok/).map((line) => line.split(':')[0].slice(2));
			return ok.length && !lines(out, /^✗ /).length
				? `${ok.length} routes ok: ${ok.join(', ')}`
				: undefined;
		},
	},
	// The first example workflow, in real n8n.
	{ args: ['demo', '--', '--first'], said: (out) => lines(out, /^✓ /)[0] },
];

function run(args) {
	return new Promise((done) => {
		const child = spawn('npm', ['run', ...args], {
			cwd: repo,
			stdio: ['ignore', 'pipe', 'pipe'],
			detached: true,
		});
		let output = '';
		child.stdout.on('data', (chunk) => (output += chunk));
		child.stderr.on('data', (chunk) => (output += chunk));
		const timer = setTimeout(() => {
			output += `\n(stopped after ${TIMEOUT_MS / 60_000} minutes)`;
			process.kill(-child.pid, 'SIGKILL');
		}, TIMEOUT_MS);
		child.on('close', (code) => {
			clearTimeout(timer);
			done({ code, output });
		});
	});
}

let failed = 0;
for (const { args, said } of SCRIPTS) {
	const command = `npm run ${args.join(' ')}`;
	const started = Date.now();
	const { code, output } = await run(args);
	const seconds = ((Date.now() - started) / 1000).toFixed(1);
	const word = said(output);
	if (code === 0 && word) {
		console.log(`smoke: ${command}: ok in ${seconds} s (${word.trim()})`);
	} else {
		failed++;
		console.log(
			`smoke: ${command}: FAILED in ${seconds} s (exit ${code}${word ? '' : ', not the output it should print'}); its output:\n${output}`,
		);
	}
}
console.log(
	failed
		? `smoke: ${failed} of the ${SCRIPTS.length} scripts failed`
		: `smoke: all ${SCRIPTS.length} scripts ok`,
);
process.exitCode = failed ? 1 : 0;
