/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ScenarioSimulator } from '../simulator/server';
import { sniffImage } from '../simulator/png';
import { imageItem, mapped, modelById, runScenarioNode } from '../support/scenario-nodes';

/** A Qwen Edit 2511 LoRA (derived fixture: no such record is recorded, see derived/derive.mjs). */
const QWEN_EDIT_LORA = 'model_FIXTUREPRIVATEQWENEDIT01';

const inputsOf = (path: string): string[] =>
	(
		JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'scenario-api', path), 'utf8')) as {
			model: { inputs: Array<{ name: string }> };
		}
	).model.inputs.map((i) => i.name);

let sim: ScenarioSimulator;
beforeAll(async () => {
	sim = await ScenarioSimulator.start({ jobDurationMs: 200 });
});
afterEach(() => sim.reset());
afterAll(async () => await sim.close());

const submission = () => {
	const posts = sim.calls('POST', '/generate/');
	expect(posts).toHaveLength(1);
	return posts[0];
};
const uploadedIds = () =>
	[...sim.assets.values()]
		.filter(
			(asset) => asset.source === 'uploaded' && asset.metadata.name !== 'fixture-reference.png',
		)
		.map((asset) => asset.id);
/** The asset id an upload of `fileName` got (uploads run concurrently, so order is not fixed). */
const uploaded = (fileName: string) =>
	[...sim.assets.values()].find(
		(asset) => asset.source === 'uploaded' && asset.metadata.name === fileName,
	)?.id;

describe('Scenario Prompt Edit', () => {
	it('edits with the default editing model, the image first in referenceImages, then the references', async () => {
		const item = imageItem('photo');
		item.binary!.style = {
			data: imageItem('style').binary!.data.data,
			mimeType: 'image/png',
			fileName: 'style.png',
		};
		const result = await runScenarioNode(sim, {
			type: 'promptEdit',
			parameters: {
				image: 'data',
				prompt: 'turn the sky purple',
				model: modelById('model_google-gemini-2-5-flash-image-editing'),
				referenceImages: ['style'],
				inputs: mapped({ aspectRatio: '16:9' }),
			},
			items: [item],
		});
		expect(result.error).toBeUndefined();
		const post = submission();
		expect(post.path).toBe('/v1/generate/custom/model_google-gemini-2-5-flash-image-editing');
		expect(post.body).toEqual({
			aspectRatio: '16:9',
			prompt: 'turn the sky purple',
			referenceImages: [uploaded('photo.png'), uploaded('style.png')],
		});
		expect(
			Object.keys(post.body as object).every((key) =>
				inputsOf('reference/model_google-gemini-2-5-flash-image-editing.json').includes(key),
			),
		).toBe(true);
		expect(result.items).toHaveLength(1);
		expect(sniffImage(await result.binary(result.items[0]))?.mimeType).toBe('image/png');
	});

	it('runs a recorded editing model (Flux Kontext) and a Kontext LoRA through it', async () => {
		const lora = await runScenarioNode(sim, {
			type: 'promptEdit',
			parameters: {
				image: 'data',
				prompt: 'ink style',
				model: modelById('model_hFh8M6nQbqGFSKJdP536GXhE'),
				inputs: mapped({ quality: 'medium' }),
			},
			items: [imageItem('kontext')],
		});
		expect(lora.error).toBeUndefined();
		const post = submission();
		expect(post.path).toBe('/v1/generate/custom/model_flux-kontext-editing');
		expect(post.body).toEqual({
			quality: 'medium',
			prompt: 'ink style',
			loras: ['model_hFh8M6nQbqGFSKJdP536GXhE'],
			referenceImages: [uploadedIds()[0]],
		});
		expect(
			Object.keys(post.body as object).every((key) =>
				inputsOf('models/trained/bases/model_flux-kontext-editing.json').includes(key),
			),
		).toBe(true);
	});

	it('runs a Qwen Edit 2511 LoRA through model_qwen-image-edit-2511, whose recorded loras input takes its type', async () => {
		const result = await runScenarioNode(sim, {
			type: 'promptEdit',
			parameters: {
				image: 'data',
				prompt: 'ink style',
				model: modelById(QWEN_EDIT_LORA),
				inputs: mapped({ goFast: true }),
			},
			items: [imageItem('qwen')],
		});
		expect(result.error).toBeUndefined();
		const post = submission();
		expect(post.path).toBe('/v1/generate/custom/model_qwen-image-edit-2511');
		expect(post.body).toEqual({
			goFast: true,
			prompt: 'ink style',
			loras: [QWEN_EDIT_LORA],
			referenceImages: [uploadedIds()[0]],
		});
		expect(
			Object.keys(post.body as object).every((key) =>
				inputsOf('models/trained/bases/model_qwen-image-edit-2511.json').includes(key),
			),
		).toBe(true);
		expect(result.items[0].json).toMatchObject({ status: 'success' });
	});

	it.each([
		['a Flux.1 LoRA', 'model_YQrES2iPys22nYwh3YhVfMh8', 'flux.1-lora', 'model_bfl-flux-1-dev'],
		['a Flux.2 LoRA', 'model_CMUu7BjxV8TpdhG3FKoxZRxC', 'flux.2-dev-lora', 'model_bfl-flux-2-dev'],
		[
			'a composition',
			'model_7oiHtKChpcLpy4jq3Jq2BG8n',
			'flux.1-composition',
			'model_bfl-flux-1-dev',
		],
	])(
		'refuses %s typed By ID (it would run through Flux Dev, not an editing model), naming Model and the item',
		async (_kind, id, type, base) => {
			const result = await runScenarioNode(sim, {
				type: 'promptEdit',
				parameters: {
					image: 'data',
					prompt: 'ink style',
					model: modelById(id),
					inputs: mapped({}),
				},
				items: [imageItem('kept'), imageItem('refused')],
				continueOnFail: true,
			});
			expect(result.items).toHaveLength(2);
			for (const [index, item] of result.items.entries())
				expect(item.json.error).toBe(
					`Model: ${id} is a ${type} model, which runs through ${base}, not an editing model: Prompt Edit takes only editing LoRAs, Flux Kontext (flux.1-kontext-lora) and Qwen Edit 2511 (qwen-image-edit-2511-lora). Use Scenario Img2Img for this one [item ${index}]`,
				);
			expect(sim.calls('POST', '/assets')).toHaveLength(0);
			expect(sim.calls('POST', '/generate/')).toHaveLength(0);
		},
	);

	it('sends a mask to a model that has one, and refuses one for a model without', async () => {
		const item = imageItem('room');
		item.binary!.mask = {
			data: imageItem('mask').binary!.data.data,
			mimeType: 'image/png',
			fileName: 'mask.png',
		};
		const withMask = await runScenarioNode(sim, {
			type: 'promptEdit',
			parameters: {
				image: 'data',
				prompt: 'add a plant',
				mask: 'mask',
				model: modelById('model_openai-gpt-image-2'),
				inputs: mapped({}),
			},
			items: [item],
		});
		expect(withMask.error).toBeUndefined();
		expect(submission().body).toMatchObject({
			referenceImages: [uploaded('room.png')],
			mask: uploaded('mask.png'),
		});

		sim.reset();
		const refused = await runScenarioNode(sim, {
			type: 'promptEdit',
			parameters: {
				image: 'data',
				prompt: 'add a plant',
				mask: 'mask',
				model: modelById('model_flux-kontext-editing'),
				inputs: mapped({}),
			},
			items: [{ json: {} }, item],
			continueOnFail: true,
		});
		expect(refused.items).toHaveLength(2);
		expect(refused.items[1].json.error).toMatch(
			/^Mask: model_flux-kontext-editing takes no mask.*\[item 1\]$/,
		);
		expect(sim.calls('POST', '/generate/')).toHaveLength(0);
	});

	it('refuses more reference images than the model takes, before uploading anything', async () => {
		const result = await runScenarioNode(sim, {
			type: 'promptEdit',
			parameters: {
				image: 'data',
				prompt: 'x',
				model: modelById('model_runway-gen4-image-editing'),
				referenceImages: ['asset_a1', 'asset_a2', 'asset_a3'],
				inputs: mapped({}),
			},
			items: [imageItem()],
		});
		expect(result.error?.message).toMatch(
			/^Reference Images: 4 images for model_runway-gen4-image-editing, which accepts at most 3 .*\[item 0\]$/,
		);
		expect(sim.calls('POST', '/assets')).toHaveLength(0);
	});

	it('names the missing image and the item', async () => {
		const result = await runScenarioNode(sim, {
			type: 'promptEdit',
			parameters: {
				image: 'data',
				prompt: 'x',
				model: modelById('model_google-gemini-2-5-flash-image-editing'),
				inputs: mapped({}),
			},
			items: [imageItem(), { json: { note: 'no image here' } }],
			continueOnFail: true,
		});
		expect(result.items).toHaveLength(2);
		expect(result.items[0].json.status).toBe('success');
		expect(result.items[1].json.error).toMatch(/no binary property "data" \[item 1\]/);
	});
});

describe('Scenario Img2Img', () => {
	it('runs a Flux.1 LoRA through its base model on /generate/custom, with loras and strength', async () => {
		const result = await runScenarioNode(sim, {
			type: 'img2img',
			parameters: {
				image: 'data',
				prompt: 'oil painting',
				strength: 0.35,
				model: modelById('model_YQrES2iPys22nYwh3YhVfMh8'),
				inputs: mapped({ numOutputs: 2, lorasScale: '0.8' }),
			},
			items: [imageItem('lora')],
		});
		expect(result.error).toBeUndefined();
		const post = submission();
		// contracts.json `stack_one`: the LoRA in the base model's loras.
		expect(post.path).toBe('/v1/generate/custom/model_bfl-flux-1-dev');
		expect(post.body).toEqual({
			numOutputs: 2,
			lorasScale: [0.8],
			loras: ['model_YQrES2iPys22nYwh3YhVfMh8'],
			prompt: 'oil painting',
			strength: 0.35,
			image: uploadedIds()[0],
		});
		expect(
			Object.keys(post.body as object).every((key) =>
				inputsOf('models/trained/bases/model_bfl-flux-1-dev.json').includes(key),
			),
		).toBe(true);
		expect(sim.calls('POST', '/generate/img2img')).toHaveLength(0);
		expect(result.items).toHaveLength(2);
		expect(result.items.every((item) => item.binary?.data)).toBe(true);
	});

	it('stacks a LoRA given in Model Options after the chosen one, each keeping its own scale', async () => {
		const result = await runScenarioNode(sim, {
			type: 'img2img',
			parameters: {
				image: 'data',
				prompt: 'oil painting',
				strength: 0.35,
				model: modelById('model_YQrES2iPys22nYwh3YhVfMh8'),
				inputs: mapped({ loras: ['model_2taP2G9BJL1Rw8t81NwiXGZA'], lorasScale: [0.5] }),
			},
			items: [imageItem('two-loras')],
		});
		expect(result.error).toBeUndefined();
		// contracts.json `stack_two`: two Flux.1 LoRAs in loras, a scale each. The 0.5 stays with
		// the LoRA it was given for; the chosen one gets the scale its record states (0.8).
		expect(submission().body).toMatchObject({
			loras: ['model_YQrES2iPys22nYwh3YhVfMh8', 'model_2taP2G9BJL1Rw8t81NwiXGZA'],
			lorasScale: [0.8, 0.5],
		});
	});

	it('refuses a modelId in Model Options that would replace the chosen composition, before any upload', async () => {
		const result = await runScenarioNode(sim, {
			type: 'img2img',
			parameters: {
				image: 'data',
				prompt: 'ink',
				strength: 0.5,
				model: modelById('model_7oiHtKChpcLpy4jq3Jq2BG8n'),
				inputs: mapped({ modelId: 'model_MYqiLuoTmgR2F1hzXPX3BBgY' }),
			},
			items: [imageItem('composition')],
		});
		expect(result.error?.message).toBe(
			"Model Options → modelId: model_MYqiLuoTmgR2F1hzXPX3BBgY would replace model_7oiHtKChpcLpy4jq3Jq2BG8n, the composition chosen in Model, which runs as model_bfl-flux-1-dev's modelId: leave modelId empty [item 0]",
		);
		expect(sim.calls('POST', '/assets')).toHaveLength(0);
		expect(sim.calls('POST', '/generate/')).toHaveLength(0);
	});

	it('runs a composition through its base model’s modelId (contracts.json `composition`)', async () => {
		const result = await runScenarioNode(sim, {
			type: 'img2img',
			parameters: {
				image: 'data',
				prompt: 'ink',
				strength: 0.5,
				model: modelById('model_7oiHtKChpcLpy4jq3Jq2BG8n'),
				inputs: mapped({}),
			},
			items: [imageItem('composition')],
		});
		expect(result.error).toBeUndefined();
		const post = submission();
		expect(post.path).toBe('/v1/generate/custom/model_bfl-flux-1-dev');
		expect(post.body).toMatchObject({ modelId: 'model_7oiHtKChpcLpy4jq3Jq2BG8n', strength: 0.5 });
	});

	it('runs a Kontext LoRA through FLUX Kontext Edit, and says in the output that Strength was not used', async () => {
		const result = await runScenarioNode(sim, {
			type: 'img2img',
			parameters: {
				image: 'data',
				prompt: 'ink style',
				strength: 0.4,
				model: modelById('model_hFh8M6nQbqGFSKJdP536GXhE'),
				inputs: mapped({}),
			},
			items: [imageItem('kontext-a'), imageItem('kontext-b')],
		});
		expect(result.error).toBeUndefined();
		const posts = sim.calls('POST', '/generate/');
		expect(posts.map((post) => post.path)).toEqual([
			'/v1/generate/custom/model_flux-kontext-editing',
			'/v1/generate/custom/model_flux-kontext-editing',
		]);
		for (const post of posts) {
			expect(post.body).toMatchObject({ loras: ['model_hFh8M6nQbqGFSKJdP536GXhE'] });
			expect(post.body).not.toHaveProperty('strength');
		}
		// One hint for the run, not one per item.
		expect(result.task(result.nodeName)?.hints).toEqual([
			{
				message:
					'Strength was not used: model_flux-kontext-editing, which runs model_hFh8M6nQbqGFSKJdP536GXhE, has no strength input (it takes the image as a reference)',
				location: 'outputPane',
			},
		]);
	});

	describe('the legacy /generate/img2img route (a derived sd-xl model: none is recorded)', () => {
		const legacyRun = (inputs: Record<string, unknown>, items = [imageItem('legacy')]) =>
			runScenarioNode(sim, {
				type: 'img2img',
				parameters: {
					image: 'data',
					prompt: 'oil painting',
					strength: 0.4,
					model: modelById('model_FIXTURELEGACYSDXL01'),
					inputs: mapped(inputs),
				},
				items,
				continueOnFail: true,
			});

		it('sends the model in the body, one image by default, and a width and height that are multiples of 8', async () => {
			// 1000 = 8 × 125: a multiple of 8, inside the SDXL types' 512–2048.
			const result = await legacyRun({ width: 1000, height: 1024 });
			expect(result.items[0].json.error).toBeUndefined();
			const post = submission();
			expect(post.path).toBe('/v1/generate/img2img');
			expect(post.body).toMatchObject({
				modelId: 'model_FIXTURELEGACYSDXL01',
				prompt: 'oil painting',
				strength: 0.4,
				numSamples: 1,
				width: 1000,
				height: 1024,
			});
		});

		it.each([
			[
				{ width: 1020 },
				'Model input "Width" (width): 1020 is not a multiple of 8, which model_FIXTURELEGACYSDXL01 needs: use e.g. 1016 or 1024 [item 1]',
			],
			[
				{ height: '700' },
				'Model input "Height" (height): 700 is not a multiple of 8, which model_FIXTURELEGACYSDXL01 needs: use e.g. 696 or 704 [item 1]',
			],
			[
				{ width: 256 },
				'Model input "Width" (width): 256 is outside 512–2048, the sizes model_FIXTURELEGACYSDXL01 takes for sd-xl models [item 1]',
			],
		])(
			'refuses %j before anything is uploaded, naming the field and the item',
			async (inputs, message) => {
				const result = await legacyRun(inputs, [imageItem('first'), imageItem('second')]);
				expect(result.items.map((item) => item.json.error)).toEqual([
					message.replace('[item 1]', '[item 0]'),
					message,
				]);
				expect(sim.calls('POST', '/assets')).toHaveLength(0);
				expect(sim.calls('POST', '/generate/')).toHaveLength(0);
			},
		);
	});

	it('runs a Qwen Edit 2511 LoRA through its base model on /generate/custom, not the legacy route', async () => {
		const result = await runScenarioNode(sim, {
			type: 'img2img',
			parameters: {
				image: 'data',
				prompt: 'ink style',
				model: modelById(QWEN_EDIT_LORA),
				inputs: mapped({}),
			},
			items: [imageItem('qwen-img2img')],
		});
		expect(result.error).toBeUndefined();
		expect(sim.calls('POST', '/generate/img2img')).toHaveLength(0);
		const post = submission();
		expect(post.path).toBe('/v1/generate/custom/model_qwen-image-edit-2511');
		expect(post.body).toMatchObject({
			prompt: 'ink style',
			loras: [QWEN_EDIT_LORA],
			referenceImages: [uploadedIds()[0]],
		});
	});

	it('runs a Flux.2 LoRA through model_bfl-flux-2-dev (contracts.json `stack_flux2`)', async () => {
		const result = await runScenarioNode(sim, {
			type: 'img2img',
			parameters: {
				image: 'data',
				prompt: 'watercolor',
				strength: 0.6,
				model: modelById('model_CMUu7BjxV8TpdhG3FKoxZRxC'),
				inputs: mapped({}),
			},
			items: [imageItem('flux2')],
		});
		expect(result.error).toBeUndefined();
		const post = submission();
		expect(post.path).toBe('/v1/generate/custom/model_bfl-flux-2-dev');
		expect(post.body).toEqual({
			loras: ['model_CMUu7BjxV8TpdhG3FKoxZRxC'],
			prompt: 'watercolor',
			referenceImages: [uploadedIds()[0]],
		});
	});

	it('refuses a Strength outside the range the model takes, naming the Strength field', async () => {
		const result = await runScenarioNode(sim, {
			type: 'img2img',
			parameters: {
				image: 'data',
				prompt: 'x',
				strength: 0,
				model: modelById('model_YQrES2iPys22nYwh3YhVfMh8'),
				inputs: mapped({}),
			},
			items: [imageItem()],
		});
		expect(result.error?.message).toBe(
			'Strength: 0 is outside the range model_bfl-flux-1-dev, which runs model_YQrES2iPys22nYwh3YhVfMh8, takes (0.01–1) [item 0]',
		);
		expect(sim.calls('POST', '/assets')).toHaveLength(0);
		expect(sim.calls('POST', '/generate/')).toHaveLength(0);
	});

	it('maps image and strength to a custom model’s own inputs', async () => {
		const result = await runScenarioNode(sim, {
			type: 'img2img',
			parameters: {
				image: 'data',
				prompt: 'rusted metal',
				strength: 0.8,
				model: modelById('model_patina-material-extract'),
				inputs: mapped({ maps: ['basecolor'], width: 512, height: 512 }),
			},
			items: [imageItem('texture')],
		});
		expect(result.error).toBeUndefined();
		const post = submission();
		expect(post.path).toBe('/v1/generate/custom/model_patina-material-extract');
		expect(post.body).toEqual({
			maps: ['basecolor'],
			width: 512,
			height: 512,
			prompt: 'rusted metal',
			imageStrength: 0.8,
			image: uploadedIds()[0],
		});
		expect(
			Object.keys(post.body as object).every((key) =>
				inputsOf('models/model_patina-material-extract.json').includes(key),
			),
		).toBe(true);
		expect(result.items.length).toBeGreaterThan(0);
	});

	it('uses a reference-image model with the image in referenceImages and no strength', async () => {
		const result = await runScenarioNode(sim, {
			type: 'img2img',
			parameters: {
				image: 'data',
				prompt: 'make it a poster',
				strength: 0.5,
				model: modelById('model_openai-gpt-image-2'),
				inputs: mapped({}),
			},
			items: [imageItem('poster')],
		});
		expect(result.error).toBeUndefined();
		expect(submission().body).toEqual({
			prompt: 'make it a poster',
			referenceImages: [uploadedIds()[0]],
		});
		expect(result.task(result.nodeName)?.hints?.map((hint) => hint.message)).toEqual([
			'Strength was not used: model_openai-gpt-image-2 has no strength input (it takes the image as a reference)',
		]);
	});

	it('refuses a model without the img2img capability', async () => {
		const result = await runScenarioNode(sim, {
			type: 'img2img',
			parameters: {
				image: 'data',
				prompt: 'x',
				strength: 0.5,
				model: modelById('model_meshy-7-txt23d'),
				inputs: mapped({}),
			},
			items: [imageItem()],
		});
		expect(result.error?.message).toMatch(/^Model: model_meshy-7-txt23d has no img2img capability/);
	});
});
