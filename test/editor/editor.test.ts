/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/require-node-api-error -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * The nodes in the n8n editor, as a user meets them: real n8n 2.40 (this package loaded from
 * dist/ as an installed community package), the Scenario API simulator, Debian's Chromium driven
 * headless by playwright-core. The owner account is set up on n8n's setup page; then, in new
 * workflows, Scenario Custom Generate and Scenario Prompt Edit are added from the node creator,
 * a model is picked from the searchable list, the model's own inputs appear as fields, the node
 * runs, and its output image shows in the binary view.
 *
 * Screenshots: a temp folder by default; `UPDATE_SCREENSHOTS=1` writes them into docs/ (the
 * README shows those). Chromium missing = a failure that says how to install it, never a skip.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Locator, Page } from 'playwright-core';

import { ScenarioSimulator } from '../simulator/server';
import { sniffImage } from '../simulator/png';
import {
	createN8nEnv,
	ensureN8nInstall,
	importCredentials,
	login,
	startN8nServer,
	type N8nEnv,
	type N8nServer,
	requireBuiltPackage,
} from '../e2e/n8n';
import {
	fetchInPage,
	findChromium,
	launchEditorBrowser,
	loadedImage,
	screenshotDir,
	type EditorBrowser,
} from './browser';
import { credentialsFor } from '../support/scenario-nodes';

const REPO = resolve(__dirname, '..', '..');
const CREDENTIAL_NAME = 'Scenario API (simulator)';
const OWNER = {
	email: 'owner@editor.test',
	firstName: 'Ada',
	lastName: 'Owner',
	password: 'Editor-Passw0rd',
};
const GENERATE_PROMPT = 'A red fox in fresh snow, soft morning light';
const EDIT_PROMPT = 'Replace the background with a sunny beach, keep the product';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

let sim: ScenarioSimulator;
let n8n: N8nEnv;
let server: N8nServer;
let browser: EditorBrowser;
let page: Page;
let inputs: string;
let shots: string;

beforeAll(async () => {
	findChromium(); // fail first, and clearly, when the browser is missing
	requireBuiltPackage(REPO);
	await ensureN8nInstall();
	sim = await ScenarioSimulator.start({ jobDurationMs: 1_000 });
	inputs = mkdtempSync(join(tmpdir(), 'scenario-editor-inputs-'));
	copyFileSync(join(REPO, 'examples', 'product.png'), join(inputs, 'product.png'));
	n8n = createN8nEnv({
		communityPackageDir: REPO,
		extraEnv: { N8N_RESTRICT_FILE_ACCESS_TO: inputs },
	});
	await importCredentials(n8n, [
		{
			id: 'scenarioSimCredential',
			name: CREDENTIAL_NAME,
			type: 'scenarioApi',
			data: credentialsFor(sim).scenarioApi,
		},
	]);
	server = await startN8nServer(n8n, { auth: false }); // a fresh instance: no owner yet
	browser = await launchEditorBrowser();
	page = browser.page;
	shots = screenshotDir(REPO);
}, 20 * 60_000);

afterAll(async () => {
	await browser?.close();
	await server?.stop();
	await sim?.close();
	n8n?.cleanup();
	if (inputs) rmSync(inputs, { recursive: true, force: true });
}, 60_000);

/** On failure: a screenshot, what the page showed and its errors, so CI logs say what went wrong. */
async function step<T>(
	name: string,
	fn: () => Promise<T>,
	shown?: () => Promise<string>,
): Promise<T> {
	try {
		return await fn();
	} catch (error) {
		const file = join(tmpdir(), `n8n-editor-failure-${name.replace(/\W+/g, '-')}.png`);
		await page?.screenshot({ path: file }).catch(() => undefined);
		const text = shown
			? await shown().catch((e: unknown) => `(unreadable: ${String(e)})`)
			: undefined;
		const detail = [
			`editor step "${name}" failed at ${page?.url()} (screenshot: ${file})`,
			...(text !== undefined ? [`the editor showed: ${text.slice(0, 1000)}`] : []),
			...(browser?.pageErrors.slice(-10) ?? []),
			error instanceof Error ? error.message : String(error),
		];
		throw new Error(detail.join('\n'), { cause: error });
	}
}

/** Opens an empty workflow and adds the node named `name` from the node creator (search). */
async function addFirstNode(search: string, name: string, action?: string): Promise<Locator> {
	await page.goto(`${server.baseUrl}/workflow/new`);
	await page.getByTestId('canvas-add-button').click();
	return await pickInNodeCreator(search, name, action);
}

async function pickInNodeCreator(search: string, name: string, action?: string): Promise<Locator> {
	await page.getByTestId('node-creator-search-bar').fill(search);
	await page.getByTestId('node-creator-item-name').getByText(name, { exact: true }).click();
	if (action)
		await page.getByTestId('node-creator-item-name').getByText(action, { exact: true }).click();
	// A community node first shows its details panel ("Installed", "Add to workflow").
	const ndv = page.getByTestId('ndv');
	const addButton = page.getByText('Add to workflow', { exact: true });
	await ndv.or(addButton).first().waitFor();
	if (await addButton.isVisible()) await addButton.click();
	await ndv.waitFor();
	return ndv;
}

/** Picks a model in the node's "Model" resource locator by typing into its search box. */
async function pickModel(
	ndv: Locator,
	search: string,
	itemName: string,
	screenshot?: string,
): Promise<void> {
	const locator = ndv.getByTestId('resource-locator-model');
	await locator.getByTestId('rlc-input').click();
	await page.getByTestId('rlc-search').fill(search);
	const item = page.getByTestId('rlc-item').filter({ hasText: itemName });
	await step(
		`the model list shows "${itemName}" for the search "${search}"`,
		() => item.first().waitFor({ timeout: 30_000 }),
		async () => {
			const items = await page.getByTestId('rlc-item').allInnerTexts();
			const none = await page.getByText('No results', { exact: true }).isVisible();
			return `model list for "${search}": ${none ? 'No results' : JSON.stringify(items)}`;
		},
	);
	if (screenshot) await shoot(ndv, screenshot);
	await item.first().click();
	await step(
		`the Model field shows "${itemName}"`,
		() => expectInputValue(locator.getByTestId('rlc-input'), itemName),
		async () => await locator.getByTestId('rlc-input').inputValue(),
	);
}

async function expectInputValue(input: Locator, expected: string): Promise<void> {
	await page.waitForFunction(
		([el, value]) => (el as unknown as { value: string }).value === value,
		[await input.elementHandle(), expected] as const,
		{ timeout: 30_000 },
	);
}

/** Screenshot of the node panel, without the toasts n8n shows in the corner. */
async function shoot(ndv: Locator, file: string): Promise<void> {
	for (const close of await page.locator('.el-notification__closeBtn').all())
		await close.click().catch(() => undefined);
	await page
		.locator('.el-notification')
		.first()
		.waitFor({ state: 'detached', timeout: 5_000 })
		.catch(() => undefined);
	await ndv.screenshot({ path: join(shots, file) });
}

/** The model-input fields the resource mapper shows (`parameter-input-<id>` test ids). */
async function mapperFieldIds(ndv: Locator): Promise<string[]> {
	return await ndv
		.getByTestId('resource-mapper-container')
		.locator('[data-test-id^="parameter-input-"]')
		.evaluateAll((els) =>
			els
				.map((el) => el.getAttribute('data-test-id')!.slice('parameter-input-'.length))
				.filter((id) => id !== 'field' && id !== 'options-container'),
		);
}

async function fillText(container: Locator, value: string): Promise<void> {
	const field = container.locator('textarea, input').first();
	await field.click();
	await field.fill(value);
	await field.evaluate((el) => (el as unknown as { blur(): void }).blur()); // commit, like leaving the field
}

/** Clicks "Execute step" and waits for the output panel's first binary card. */
async function executeStep(ndv: Locator): Promise<Locator> {
	await ndv.getByTestId('node-execute-button').click();
	const output = ndv.getByTestId('output-panel');
	const success = output.getByTestId('node-run-status-success');
	const failure = output.locator('[data-test-id^="node-error"]');
	await step('node run ends', () => success.or(failure).first().waitFor({ timeout: 180_000 }));
	if (!(await success.isVisible()))
		throw new Error(`the node failed in the editor:\n${(await output.innerText()).slice(0, 2000)}`);
	const card = output.getByTestId('ndv-binary-data_0');
	if (!(await card.isVisible()))
		await output
			.getByTestId('ndv-run-data-display-mode')
			.getByText('Binary', { exact: true })
			.click();
	await card.waitFor();
	return output;
}

/** "View" on a panel's binary card: the image itself, decoded, and its bytes. */
async function viewImage(
	panel: Locator,
): Promise<{ width: number; height: number; bytes: Buffer }> {
	await panel.getByTestId('ndv-view-binary-data').first().click();
	const img = panel.getByTestId('ndv-data-container').locator('img[src*="/rest/binary-data"]');
	const { width, height, src } = await loadedImage(img);
	return { width, height, bytes: await fetchInPage(page, src) };
}

/** The output image of the one job created after `jobCount` jobs (what Scenario would serve). */
function newJobOutput(jobCount: number): Buffer {
	const jobs = [...sim.jobs.values()].slice(jobCount);
	expect(jobs.map((j) => j.status)).toEqual(['success']);
	const asset = sim.assets.get(jobs[0].assetIds[0]);
	if (!asset) throw new Error(`job ${jobs[0].jobId} has no output asset`);
	return asset.bytes;
}

describe('the Scenario nodes in the n8n editor (headless Chromium)', () => {
	it('sets up the owner account on n8n’s setup page', async () => {
		await step('setup page', async () => {
			await page.goto(`${server.baseUrl}/`);
			await page.waitForURL(/\/setup/);
			const form = page.getByTestId('setup-form');
			await form.getByTestId('email').locator('input').fill(OWNER.email);
			await form.getByTestId('firstName').locator('input').fill(OWNER.firstName);
			await form.getByTestId('lastName').locator('input').fill(OWNER.lastName);
			await form.getByTestId('password').locator('input').fill(OWNER.password);
			await form.getByTestId('form-submit-button').click();
			await page.waitForURL((url) => !url.pathname.startsWith('/setup'));
		});
		// The account exists: its password logs in over REST too.
		const rest = await login(server.baseUrl, OWNER);
		const me = await rest.get<{ email: string; role: string }>('/login'); // the signed-in user
		expect(me).toMatchObject({ email: OWNER.email, role: 'global:owner' });
	}, 120_000);

	it('Custom Generate: searchable model list, the model’s own inputs as fields, a run, the output image', async () => {
		const ndv = await step('add Scenario Custom Generate', () =>
			addFirstNode('Scenario', 'Scenario Custom Generate'),
		);
		// The only Scenario credential is selected by itself.
		await expectInputValue(
			ndv.getByTestId('node-credentials-select').locator('input').first(),
			CREDENTIAL_NAME,
		);
		await step('empty model', () =>
			ndv.getByTestId('resource-mapper-container').getByText('Pick a model first.').waitFor(),
		);

		await pickModel(ndv, 'GPT Image 2', 'GPT Image 2', 'custom-generate-model-search.png');

		// The fields are GPT Image 2's own inputs, as GET /models/{id} describes them.
		const mapper = ndv.getByTestId('resource-mapper-container');
		await step('model inputs appear', () => mapper.getByTestId('parameter-input-prompt').waitFor());
		const model = await (
			await fetch(`${sim.baseUrl}/models/model_openai-gpt-image-2`, {
				headers: { authorization: sim.authorization },
			})
		).json();
		const inputNames = (model as { model: { inputs: Array<{ name: string }> } }).model.inputs.map(
			(i) => i.name,
		);
		// …with the model's size presets (uiConfig.resolutionComponent) just before its width.
		const withPresets = [...inputNames];
		withPresets.splice(inputNames.indexOf('width'), 0, 'sizePreset');
		expect(await mapperFieldIds(ndv)).toEqual(withPresets);
		// Scenario's own label, nothing appended (the bounds are checked when the node runs).
		await mapper.getByText('Image Count', { exact: true }).waitFor();

		await fillText(mapper.getByTestId('parameter-input-prompt'), GENERATE_PROMPT);
		await shoot(ndv, 'custom-generate-model-inputs.png');

		const before = sim.log.length;
		const jobCount = sim.jobs.size;
		const output = await step('execute Custom Generate', () => executeStep(ndv));
		const image = await step('view the output image', () => viewImage(output));
		await shoot(ndv, 'custom-generate-output-image.png');

		const posts = sim
			.calls('POST', '/generate/custom/model_openai-gpt-image-2')
			.filter((e) => sim.log.indexOf(e) >= before);
		expect(posts).toHaveLength(1);
		expect(posts[0].body).toMatchObject({ prompt: GENERATE_PROMPT, numOutputs: 1 });
		// The picture in the editor is the job's output image, byte for byte.
		expect(sniffImage(image.bytes)?.mimeType).toBe('image/png');
		expect(image.width).toBeGreaterThan(0);
		expect(sha256(image.bytes)).toBe(sha256(newJobOutput(jobCount)));
	}, 300_000);

	it('Prompt Edit: edits an image read by an earlier node, its default model from the list, output image', async () => {
		// Read/Write Files from Disk → Scenario Prompt Edit, built in the editor.
		const reader = await step('add Read/Write Files from Disk', () =>
			addFirstNode('Read/Write Files', 'Read/Write Files from Disk', 'Read File(s) From Disk'),
		);
		await fillText(reader.getByTestId('parameter-input-fileSelector'), join(inputs, 'product.png'));
		await reader.getByTestId('ndv-close-button').click();
		await page
			.locator('[data-test-id="canvas-node"][data-node-name="Read/Write Files from Disk"]')
			.getByTestId('canvas-handle-plus')
			.click();
		const ndv = await step('add Scenario Prompt Edit', () =>
			pickInNodeCreator('Scenario Prompt Edit', 'Scenario Prompt Edit'),
		);

		await expectInputValue(
			ndv.getByTestId('parameter-input-image').locator('input').first(),
			'data',
		);
		await fillText(ndv.getByTestId('parameter-input-prompt'), EDIT_PROMPT);
		// The default model, Gemini 2.5 Flash, is there already, shown by name in "From list" mode.
		const model = ndv.getByTestId('resource-locator-model');
		await step('Prompt Edit: default model in From list mode', async () => {
			await expectInputValue(
				model.getByTestId('rlc-mode-selector').locator('input').first(),
				'From list',
			);
			await expectInputValue(
				model.getByTestId('rlc-input'),
				'Gemini 2.5 Flash (Nano-banana): image + reference images, no mask',
			);
		});

		const mapper = ndv.getByTestId('resource-mapper-container');
		await step('model options appear', () =>
			mapper.getByTestId('parameter-input-aspectRatio').waitFor(),
		);
		// Prompt and the image are the node's own fields; the model's other inputs are here.
		expect(await mapperFieldIds(ndv)).toEqual(['aspectRatio', 'numOutputs', 'seed']);
		await mapper.getByTestId('parameter-input-aspectRatio').click();
		await page.locator('.el-select-dropdown__item:visible').filter({ hasText: /^16:9/ }).click();

		const before = sim.log.length;
		const jobCount = sim.jobs.size;
		const output = await step('execute Prompt Edit', () => executeStep(ndv));
		const input = ndv.getByTestId('ndv-input-panel');
		await step('input image', () => input.getByTestId('ndv-binary-data_0').waitFor());
		const shown = await step('view the input image', () => viewImage(input));
		const edited = await step('view the output image', () => viewImage(output));
		await shoot(ndv, 'prompt-edit-output.png');

		const product = readFileSync(join(REPO, 'examples', 'product.png'));
		expect(shown.bytes.equals(product)).toBe(true);
		const posts = sim
			.calls('POST', '/generate/custom/model_google-gemini-2-5-flash-image-editing')
			.filter((e) => sim.log.indexOf(e) >= before);
		expect(posts).toHaveLength(1);
		const body = posts[0].body as Record<string, unknown>;
		expect(body).toMatchObject({ prompt: EDIT_PROMPT, aspectRatio: '16:9' });
		// The image Scenario received is the file the earlier node read.
		const sent = Object.values(body)
			.flat()
			.filter((v): v is string => typeof v === 'string' && v.startsWith('asset_'));
		expect(sent.some((id) => sim.assets.get(id)?.bytes.equals(product))).toBe(true);
		expect(sha256(edited.bytes)).toBe(sha256(newJobOutput(jobCount)));
	}, 300_000);

	it('every node: Model first, in "From list" mode, labels not cut, no raw input name', async () => {
		const cases: Array<{ node: string; model?: { search: string; item: string; id: string } }> = [
			{
				node: 'Scenario Custom Generate',
				model: { search: 'GPT Image 2', item: 'GPT Image 2', id: 'model_openai-gpt-image-2' },
			},
			{
				node: 'Scenario Img2Img',
				model: { search: 'GPT Image 2', item: 'GPT Image 2', id: 'model_openai-gpt-image-2' },
			},
			{
				node: 'Scenario Prompt Edit',
				// Another than its default (Gemini 2.5 Flash), built from Scenario's reference.
				model: {
					search: 'seedream 4.5',
					item: 'Seedream 4.5 Edit: up to 10 images, no mask',
					id: 'model_bytedance-seedream-4-5-editing',
				},
			},
			{ node: 'Scenario Wait for Job' },
		];
		const report: Record<string, unknown> = {};
		for (const { node, model } of cases) {
			const ndv = await step(`add ${node}`, () => addFirstNode('Scenario', node));
			const locator = ndv.getByTestId('resource-locator-model');
			if (model) {
				// "From list" is the mode the node opens in.
				await step(`${node}: From list`, () =>
					expectInputValue(
						locator.getByTestId('rlc-mode-selector').locator('input').first(),
						'From list', // n8n's own text for a "list" mode
					),
				);
				await pickModel(ndv, model.search, model.item);
				await step(`${node}: model inputs appear`, () =>
					ndv
						.getByTestId('resource-mapper-container')
						.locator('[data-test-id^="parameter-input-"]')
						.first()
						.waitFor(),
				);
			}
			// The node's parameters in page order (the tool-only Description is hidden here).
			const order = await ndv.evaluate((root) =>
				[
					...root.querySelectorAll(
						'[data-test-id^="parameter-input-"], [data-test-id^="resource-locator-"]',
					),
				]
					.filter((el) => !el.closest('[data-test-id="resource-mapper-container"]'))
					.map((el) => el.getAttribute('data-test-id')!)
					.filter((id) => id !== 'parameter-input-field'),
			);
			// parameter-input-model / resource-locator-model … → model
			const first = order[0]?.replace(/^(parameter-input|resource-locator)-/, '');
			// Labels the editor cuts (text wider than its box); and the texts shown.
			const cut = await ndv.evaluate((root) => {
				type El = { scrollWidth: number; clientWidth: number; innerText: string };
				return [...root.querySelectorAll('label, label *, .n8n-input-label *')]
					.filter((el) => {
						const style = (
							globalThis as unknown as {
								getComputedStyle(e: unknown): { textOverflow: string; overflow: string };
							}
						).getComputedStyle(el);
						const e = el as unknown as El;
						return (
							(style.textOverflow === 'ellipsis' || style.overflow === 'hidden') &&
							e.scrollWidth > e.clientWidth + 1 &&
							e.innerText.trim() !== ''
						);
					})
					.map((el) => (el as unknown as El).innerText.trim());
			});
			const shown = await ndv.innerText();
			let rawNames: string[] = [];
			if (model) {
				const body = (await (
					await fetch(`${sim.baseUrl}/models/${model.id}`, {
						headers: { authorization: sim.authorization },
					})
				).json()) as { model: { inputs: Array<{ name: string; label?: string }> } };
				// A camelCase name (numOutputs, aspectRatio …) shown as text is a raw name.
				rawNames = body.model.inputs
					.map((i) => i.name)
					.filter((name) => /[A-Z]/.test(name))
					.filter((name) => new RegExp(`\\b${name}\\b`).test(shown));
			}
			report[node] = { first, cut, rawNames };
			// eslint-disable-next-line no-console -- the checks' results, for the report
			console.log(node, JSON.stringify(report[node]));
			expect({ node, first }).toEqual({ node, first: model ? 'model' : 'jobId' });
			expect({ node, cut }).toEqual({ node, cut: [] });
			expect({ node, rawNames }).toEqual({ node, rawNames: [] });
		}
		// eslint-disable-next-line no-console -- the checks' results, for the report
		console.log(JSON.stringify(report));
	}, 600_000);

	it('stayed on loopback', () => {
		// The only request elsewhere: the editor's community-node details panel asks the npm
		// registry about the package (Chromium resolves nothing but loopback, so it fails).
		expect(
			browser.externalRequests.filter(
				(url) => url !== 'https://registry.npmjs.org/n8n-nodes-scenario',
			),
		).toEqual([]);
		expect(n8n.guardViolations()).toEqual([]);
	});
});
