/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports, no-console -- developer tooling, run under Node.js; never shipped, never run inside n8n */
/**
 * The main job: runs the example workflows in real n8n (its CLI and execution engine, with this
 * package loaded the way an installed community package is) against the Scenario API simulator
 * on loopback, and writes every output image to a folder.
 *
 *   npm run demo            (after npm run build; `bash .ci/with-node24.sh npm run demo` on Node 20)
 *   npm run demo -- --first the first example workflow only (npm test runs it)
 *
 * With SCENARIO_API_KEY and SCENARIO_API_SECRET set it talks to the real Scenario API instead
 * (SCENARIO_PROJECT_ID optional), which spends Creative Units.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import {
	createN8nEnv,
	ensureN8nInstall,
	executeWorkflow,
	importCredentials,
	importWorkflow,
	readBinary,
	type Item,
} from '../test/e2e/n8n';
import { ScenarioSimulator } from '../test/simulator/server';

const REPO = resolve(__dirname, '..');
const EXAMPLES = join(REPO, 'examples');
const OUTPUT = join(REPO, '.demo-output');
const CREDENTIAL_ID = 'scenarioApiCredential';

interface WorkflowFile {
	id: string;
	name: string;
	nodes: Array<{ name: string; type: string; parameters: Record<string, unknown> }>;
}

async function main(): Promise<void> {
	const realApi = Boolean(process.env.SCENARIO_API_KEY && process.env.SCENARIO_API_SECRET);
	const sim = realApi ? undefined : await ScenarioSimulator.start({ jobDurationMs: 1_500 });
	const credential = sim
		? { apiKey: sim.apiKey, apiSecret: sim.apiSecret, baseUrl: sim.baseUrl, projectId: '' }
		: {
				apiKey: process.env.SCENARIO_API_KEY,
				apiSecret: process.env.SCENARIO_API_SECRET,
				baseUrl: process.env.SCENARIO_BASE_URL ?? 'https://api.cloud.scenario.com/v1',
				projectId: process.env.SCENARIO_PROJECT_ID ?? '',
			};
	console.log(
		sim ? `Scenario API simulator on ${sim.baseUrl}` : `Real Scenario API at ${credential.baseUrl}`,
	);

	console.log(
		'Preparing n8n 2.x (the first run installs it into ~/.cache/n8n-nodes-scenario: a few minutes)…',
	);
	await ensureN8nInstall();
	const inputs = join(OUTPUT, 'inputs');
	rmSync(OUTPUT, { recursive: true, force: true });
	mkdirSync(inputs, { recursive: true });
	copyFileSync(join(EXAMPLES, 'product.png'), join(inputs, 'product.png'));
	const n8n = createN8nEnv({
		communityPackageDir: REPO,
		extraEnv: { N8N_RESTRICT_FILE_ACCESS_TO: inputs },
	});

	let failures = 0;
	try {
		await importCredentials(n8n, [
			{ id: CREDENTIAL_ID, name: 'Scenario API', type: 'scenarioApi', data: credential },
		]);
		const files = readdirSync(EXAMPLES)
			.filter((f) => f.endsWith('.json'))
			.sort();
		for (const file of process.argv.includes('--first') ? files.slice(0, 1) : files) {
			const workflow = JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as WorkflowFile;
			for (const node of workflow.nodes) {
				// The examples read ~/.n8n-files/product.png; here, the demo's own copy.
				if (node.type === 'n8n-nodes-base.readWriteFile')
					node.parameters.fileSelector = join(inputs, 'product.png');
				// A Check Once loop waits at least 70 s between checks, parked in n8n's database,
				// which ends an `n8n execute` run; the demo's 2 s waits stay in the process instead.
				if (node.parameters.mode === 'checkOnce')
					node.parameters.options = {
						...(node.parameters.options as object),
						shortestWaitSeconds: 2,
					};
			}
			await importWorkflow(n8n, workflow);
			const started = Date.now();
			const result = await executeWorkflow(n8n, workflow.id, { timeoutMs: 5 * 60_000 });
			const seconds = ((Date.now() - started) / 1000).toFixed(1);
			if (!result.ok) {
				failures++;
				console.log(
					`✗ ${workflow.name}: ${result.error?.message ?? `n8n exited with ${result.code}`}`,
				);
				continue;
			}
			console.log(`✓ ${workflow.name} (${seconds} s)`);
			const folder = join(OUTPUT, file.replace(/\.json$/, ''));
			mkdirSync(folder, { recursive: true });
			for (const node of workflow.nodes.filter((n) => n.type.startsWith('n8n-nodes-scenario.'))) {
				// The last run: a Check Once loop runs its node once per check, the outputs come last.
				const items: Item[] = result.runData[node.name]?.at(-1)?.data?.main?.[0] ?? [];
				items.forEach((item, index) => {
					const summary = {
						jobId: item.json.jobId,
						assetId: item.json.assetId,
						status: item.json.status,
						estimatedCost: item.json.estimatedCost,
						billedCost: item.json.billedCost,
					};
					const binary = item.binary?.data;
					if (!binary) {
						console.log(`    ${node.name} #${index}: ${JSON.stringify(summary)}`);
						return;
					}
					const target = join(
						folder,
						`${node.name.replace(/\W+/g, '-')}-${index}.${binary.fileExtension ?? 'png'}`,
					);
					writeFileSync(target, readBinary(n8n, binary));
					console.log(`    ${node.name} #${index}: ${target} ${JSON.stringify(summary)}`);
				});
			}
		}
	} finally {
		n8n.cleanup();
		await sim?.close();
	}
	console.log(`\nImages written to ${OUTPUT}`);
	if (failures) {
		console.log(`${failures} example workflow(s) failed`);
		process.exitCode = 1;
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
