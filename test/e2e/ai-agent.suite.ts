/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * n8n's AI Agent calls Scenario Custom Generate as a tool, in real n8n, as a suite that runs
 * against one given n8n release (`describeAiAgent(version)`; ai-agent.e2e.test.ts runs it on
 * 2.40.7, real-n8n-1.123.e2e.test.ts on 1.123.81): Manual Trigger → AI Agent (v3.1 on n8n 2.x,
 * v3 on 1.x, the newest each has; prompt in the node) with the OpenAI Chat Model (v1.3; its credential's Base URL
 * points at a scripted loopback OpenAI, fake-openai.ts) and the package's tool variant of Scenario
 * Custom Generate (`n8n-nodes-scenario.scenarioCustomGenerateTool`), whose Prompt input is
 * `$fromAI('prompt', …)`. The fake "model" calls the tool with a prompt of its choosing; the
 * simulator must receive exactly that generation; the agent must hand the tool's result back to
 * the model (job id, asset URL, costs; no image bytes) and end with the model's final message.
 * Run over both APIs the chat model node speaks: the Responses API (its default) and Chat
 * Completions.
 *
 * How n8n 2.40.7 does it (read from its source): the agent (v3) returns the model's tool calls
 * to the engine, which runs the tool node as a node of its own with the call's arguments as its
 * input item (that is where `$fromAI` reads them); the model then gets
 * `JSON.stringify(<the json of the tool's output items>)`. Binary data never reaches the model;
 * it stays in the tool node's run. n8n 1.123.81 does the same (its agent v3, its
 * load-nodes-and-credentials.js createAiTools makes the `…Tool` variant of every `usableAsTool`
 * node, community ones included, with no setting to turn on).
 *
 * Not a test file itself (jest picks up `*.test.ts` only).
 */
import { resolve } from 'node:path';

import { ScenarioCustomGenerate } from '../../nodes/ScenarioCustomGenerate/ScenarioCustomGenerate.node';
import { ScenarioSimulator } from '../simulator/server';
import { CALL_ID, FakeOpenAi, type OpenAiApi } from './fake-openai';
import {
	createN8nEnv,
	ensureN8nInstall,
	executeWorkflow,
	importCredentials,
	importWorkflow,
	n8nMajor,
	nodeItems,
	type N8nEnv,
	requireBuiltPackage,
} from './n8n';
import { credentialsFor } from '../support/scenario-nodes';

const REPO = resolve(__dirname, '..', '..');
const MODEL_ID = 'model_openai-gpt-image-2';
const TOOL_NODE = 'Generate Image';
/** n8n names a node's tool after the node: spaces (and other characters) become `_`. */
const TOOL_NAME = 'Generate_Image';
/** What the "model" chose to pass. */
const CHOSEN_PROMPT = 'a red kite over the sea, watercolor';
const USER_PROMPT =
	'Paint me a watercolor of a red kite flying over the sea, and tell me where to see it.';
const CREDENTIALS = {
	scenarioApi: { id: 'scenarioApiCredential', name: 'Scenario API' },
	openAiApi: { id: 'openAiFakeCredent', name: 'OpenAI (fake)' },
};

/** The first `url` in a tool result (a JSON array of items), or a note that there was none. */
function urlIn(toolResult: string): string {
	try {
		const items = JSON.parse(toolResult) as Array<{ url?: unknown }>;
		return String(items[0]?.url ?? '(no url in the tool result)');
	} catch {
		return '(the tool result was not JSON)';
	}
}

function agentWorkflow(id: string, api: OpenAiApi, agentVersion: number) {
	const node = (n: number) => `a1a9e000-0000-4000-8000-${String(n).padStart(12, '0')}`;
	return {
		id,
		name: `Scenario e2e: AI Agent uses Custom Generate (${api})`,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			{
				id: node(1),
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				id: node(2),
				name: 'AI Agent',
				type: '@n8n/n8n-nodes-langchain.agent',
				typeVersion: agentVersion,
				position: [220, 0],
				parameters: { promptType: 'define', text: USER_PROMPT, options: {} },
			},
			{
				id: node(3),
				name: 'OpenAI Chat Model',
				type: '@n8n/n8n-nodes-langchain.lmChatOpenAi',
				typeVersion: 1.3,
				position: [120, 200],
				credentials: { openAiApi: CREDENTIALS.openAiApi },
				parameters: {
					model: { __rl: true, mode: 'id', value: 'gpt-fake' },
					responsesApiEnabled: api === 'responses',
					options: {},
				},
			},
			{
				id: node(4),
				name: TOOL_NODE,
				type: 'n8n-nodes-scenario.scenarioCustomGenerateTool',
				typeVersion: 1,
				position: [320, 200],
				credentials: { scenarioApi: CREDENTIALS.scenarioApi },
				parameters: {
					model: { __rl: true, mode: 'id', value: MODEL_ID },
					inputs: {
						mappingMode: 'defineBelow',
						value: {
							prompt: "={{ $fromAI('prompt', 'What the image should show', 'string') }}",
							numOutputs: 1,
							quality: 'low',
						},
						matchingColumns: [],
						schema: [],
					},
					options: {},
				},
			},
		],
		connections: {
			Start: { main: [[{ node: 'AI Agent', type: 'main', index: 0 }]] },
			'OpenAI Chat Model': {
				ai_languageModel: [[{ node: 'AI Agent', type: 'ai_languageModel', index: 0 }]],
			},
			[TOOL_NODE]: { ai_tool: [[{ node: 'AI Agent', type: 'ai_tool', index: 0 }]] },
		},
	};
}

/** The Description the tool variant comes with (what the model reads unless the user rewrites it). */
const TOOL_DESCRIPTION = new ScenarioCustomGenerate().description.properties.find(
	(p) => p.name === 'toolDescription',
)?.default as string;
/** The fields of each output the description names. */
const PROMISED_FIELDS = [
	'url',
	'assetId',
	'jobId',
	'status',
	'estimatedCost',
	'billedCost',
	'billedCostDetails',
	'mimeType',
	'width',
	'height',
];

/** A PNG in base64 starts with this (the PNG signature), as would any image bytes sent as text. */
const PNG_BASE64 = 'iVBORw0KGgo';

/** The AI-agent e2e, against n8n `version` (installed on first use). */
export function describeAiAgent(version: string): void {
	describe(`n8n ${version}: n8n's AI Agent uses Scenario Custom Generate as a tool`, () => {
		let sim: ScenarioSimulator;
		let ai: FakeOpenAi;
		let n8n: N8nEnv;
		// The newest AI Agent version of each line: 3.1 on n8n 2.x, 3 on 1.x.
		const agentVersion = n8nMajor(version) < 2 ? 3 : 3.1;
		const WORKFLOWS: Record<OpenAiApi, ReturnType<typeof agentWorkflow>> = {
			responses: agentWorkflow('ScenarioAgentResp1', 'responses', agentVersion),
			chat: agentWorkflow('ScenarioAgentChat1', 'chat', agentVersion),
		};

		beforeAll(async () => {
			requireBuiltPackage(REPO);
			await ensureN8nInstall(version);
			sim = await ScenarioSimulator.start({ jobDurationMs: 300 });
			ai = await FakeOpenAi.start({
				toolName: TOOL_NAME,
				toolArguments: { prompt: CHOSEN_PROMPT },
				reply: (result) => `Your watercolor kite is ready: ${urlIn(result)}`,
			});
			n8n = createN8nEnv({ n8nVersion: version, communityPackageDir: REPO });
			await importCredentials(n8n, [
				{
					...CREDENTIALS.scenarioApi,
					type: 'scenarioApi',
					data: credentialsFor(sim).scenarioApi,
				},
				{
					...CREDENTIALS.openAiApi,
					type: 'openAiApi',
					data: { apiKey: ai.apiKey, organizationId: '', url: ai.baseUrl, header: false },
				},
			]);
			await importWorkflow(n8n, Object.values(WORKFLOWS));
		}, 30 * 60_000);

		afterAll(async () => {
			n8n?.cleanup();
			await ai?.close();
			await sim?.close();
		});

		it.each<{ api: OpenAiApi; how: string }>([
			{ api: 'responses', how: 'the Responses API (the OpenAI Chat Model default)' },
			{ api: 'chat', how: 'Chat Completions ("Use Responses API" off)' },
		])(
			'the model calls the tool with $fromAI values and gets the job, asset URL and costs back, over $how',
			async ({ api }) => {
				const modelCallsBefore = ai.modelRequests().length;
				const generationsBefore = sim.calls('POST', `/generate/custom/${MODEL_ID}`).length;

				const result = await executeWorkflow(n8n, WORKFLOWS[api].id, { timeoutMs: 3 * 60_000 });
				if (!result.ok) {
					throw new Error(
						`agent workflow failed: ${result.error?.message}\n${result.stdout.slice(-3000)}`,
					);
				}

				// The agent asked the model twice: once offering the tool, once with the tool's result.
				const calls = ai.modelRequests().slice(modelCallsBefore);
				expect(calls.map((c) => [c.api, c.answered])).toEqual([
					[api, 'toolCall'],
					[api, 'final'],
				]);

				// What the model was told about the tool: what it does, what to pass, what comes back.
				const tools = ai.toolsOffered(calls[0]);
				expect(tools.map((t) => t.name)).toEqual([TOOL_NAME]);
				const [tool] = tools;
				expect(tool.description).toBe(TOOL_DESCRIPTION);
				expect(tool.description).toMatch(/Scenario/);
				for (const field of PROMISED_FIELDS) expect(tool.description).toContain(field);
				expect(tool.description).toMatch(/Creative Units/);
				expect(tool.parameters).toMatchObject({
					type: 'object',
					properties: { prompt: { type: 'string', description: 'What the image should show' } },
					required: ['prompt'],
				});
				expect(Object.keys(tool.parameters.properties as object)).toEqual(['prompt']);

				// The agent kept the model's call as made and ran it.
				const [toolCall, ...moreCalls] = ai.toolCallsOf(calls[1]);
				expect(moreCalls).toEqual([]);
				expect(toolCall).toMatchObject({ callId: CALL_ID, name: TOOL_NAME });
				expect(JSON.parse(toolCall.arguments)).toMatchObject({ prompt: CHOSEN_PROMPT });

				// Scenario got exactly the generation the model chose, with the node's fixed inputs.
				const generations = sim
					.calls('POST', `/generate/custom/${MODEL_ID}`)
					.slice(generationsBefore);
				expect(generations).toHaveLength(1);
				expect(generations[0].body).toEqual({
					prompt: CHOSEN_PROMPT,
					numOutputs: 1,
					quality: 'low',
				});

				// What the model got back: the job, a working asset URL and both costs, as text.
				expect(ai.toolResultsOf(calls[0])).toEqual([]);
				const toolResults = ai.toolResultsOf(calls[1]);
				expect(toolResults.map((r) => r.callId)).toEqual([CALL_ID]);
				const output = toolResults[0].output;
				expect(output).not.toContain(PNG_BASE64);
				expect(output).not.toMatch(/"binary"|data:image/);
				expect(output.length).toBeLessThan(2_000);
				const items = JSON.parse(output) as Array<Record<string, unknown>>;
				expect(items).toHaveLength(1);
				const [item] = items;
				const job = sim.jobs.get(String(item.jobId));
				expect(job).toBeDefined();
				expect(job!.status).toBe('success');
				expect(item).toMatchObject({
					jobId: expect.stringMatching(/^job_/),
					modelId: MODEL_ID,
					status: 'success',
					assetId: job!.assetIds[0],
					url: expect.stringContaining(`${sim.cdnOrigin}/`),
					mimeType: 'image/png',
					estimatedCost: job!.creativeUnitsCost,
					billedCost: job!.billing.cuCost,
					billedCostDetails: job!.billing.cuCostDetails,
				});
				// Everything the description promises is there.
				for (const field of PROMISED_FIELDS) expect(item).toHaveProperty(field);
				expect(item.estimatedCost as number).toBeGreaterThan(0);
				expect(item.billedCost as number).toBeGreaterThan(0);
				// The URL is the image itself.
				const fetched = await fetch(String(item.url));
				expect(fetched.status).toBe(200);
				const bytes = Buffer.from(await fetched.arrayBuffer());
				expect(bytes.equals(sim.assets.get(String(item.assetId))!.bytes)).toBe(true);

				// The agent ended with the model's final message.
				expect(nodeItems(result, 'AI Agent')).toEqual([
					expect.objectContaining({ json: { output: calls[1].finalText } }),
				]);
				expect(calls[1].finalText).toContain(String(item.url));

				// The tool node's own run keeps the image for the user (the model never sees it).
				const toolRun = result.runData[TOOL_NODE]?.[0] as
					| { data?: { ai_tool?: Array<Array<{ json: object; binary?: object }>> } }
					| undefined;
				expect(toolRun?.data?.ai_tool?.[0]).toEqual([
					expect.objectContaining({
						json: expect.objectContaining({ jobId: item.jobId, url: item.url }),
						binary: { data: expect.objectContaining({ mimeType: 'image/png' }) },
					}),
				]);

				process.stdout.write(
					`[ai-agent e2e, ${api}] tool call: ${toolCall.name}(${toolCall.arguments}) → Scenario got POST /generate/custom/${MODEL_ID} ${JSON.stringify(generations[0].body)}\n` +
						`[ai-agent e2e, ${api}] tool result: ${output}\n`,
				);
			},
			5 * 60_000,
		);

		it('n8n reached nothing beyond loopback', () => {
			expect(n8n.guardViolations()).toEqual([]);
		});
	});
}
