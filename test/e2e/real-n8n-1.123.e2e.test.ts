/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * The n8n 1.x line, proven the way 2.x is: the real-n8n e2e (test/e2e/real-n8n.suite.ts) and the
 * AI-agent e2e (test/e2e/ai-agent.suite.ts) against n8n 1.123.81 (N8N_1X_VERSION), under Node 22
 * as n8n 1.123's own Docker image runs it. One file, so the 1.x install and its environment cost
 * one jest worker; the 2.x files run the same suites.
 *
 * Plus what only 1.x has: its default binary data mode, `default`, which keeps binaries in memory
 * (inline base64, no id; 2.x's default is `filesystem`, which the suite uses on every line).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { ScenarioSimulator } from '../simulator/server';
import { sniffImage } from '../simulator/png';
import { describeAiAgent } from './ai-agent.suite';
import {
	N8N_1X_VERSION,
	createN8nEnv,
	ensureN8nInstall,
	executeWorkflow,
	importCredentials,
	importWorkflow,
	nodeItems,
	type N8nEnv,
} from './n8n';
import { describeRealN8n } from './real-n8n.suite';
import { credentialsFor } from '../support/scenario-nodes';

describeRealN8n(N8N_1X_VERSION);
describeAiAgent(N8N_1X_VERSION);

describe(`n8n ${N8N_1X_VERSION}, binary data mode "default" (1.x's default: in memory)`, () => {
	const repo = resolve(__dirname, '..', '..');
	let sim: ScenarioSimulator;
	let n8n: N8nEnv;
	beforeAll(async () => {
		await ensureN8nInstall(N8N_1X_VERSION);
		sim = await ScenarioSimulator.start({ jobDurationMs: 300 });
		n8n = createN8nEnv({
			n8nVersion: N8N_1X_VERSION,
			communityPackageDir: repo,
			extraEnv: { N8N_DEFAULT_BINARY_DATA_MODE: 'default' },
		});
		await importCredentials(n8n, [
			{
				id: 'scenarioApiCredential',
				name: 'Scenario API',
				type: 'scenarioApi',
				data: credentialsFor(sim).scenarioApi,
			},
		]);
	}, 30 * 60_000);
	afterAll(async () => {
		n8n?.cleanup();
		await sim?.close();
	});

	it(
		'read → Prompt Edit → Img2Img with the images inline',
		async () => {
			const product = join(repo, 'examples', 'product.png');
			const workflow = JSON.parse(
				readFileSync(join(repo, 'examples', 'read-prompt-edit-img2img.json'), 'utf8'),
			) as { id: string; nodes: Array<{ type: string; parameters: Record<string, unknown> }> };
			for (const node of workflow.nodes) {
				if (node.type === 'n8n-nodes-base.readWriteFile') node.parameters.fileSelector = product;
			}
			await importWorkflow(n8n, workflow);
			const result = await executeWorkflow(n8n, workflow.id, { timeoutMs: 5 * 60_000 });
			if (!result.ok) throw new Error(`failed: ${result.error?.message}`);
			// The photo came in memory and went up as it was.
			const [read] = nodeItems(result, 'Read Product Photo');
			expect(read.binary?.data.id).toBeUndefined();
			const [edited] = nodeItems(result, 'Prompt Edit');
			const [restyled] = nodeItems(result, 'Img2Img');
			for (const item of [edited, restyled]) {
				const binary = item.binary!.data;
				expect(binary.id).toBeUndefined();
				const bytes = Buffer.from(binary.data, 'base64');
				expect(sniffImage(bytes)?.mimeType).toBe('image/png');
				expect(sim.assets.get(String(item.json.assetId))?.bytes.equals(bytes)).toBe(true);
			}
			// The photo from disk reached Scenario byte for byte.
			const photo = readFileSync(product);
			expect([...sim.assets.values()].some((asset) => asset.bytes.equals(photo))).toBe(true);
			expect(n8n.guardViolations()).toEqual([]);
		},
		6 * 60_000,
	);
});
