/**
 * Reliability, "Bad input": each kind of bad input gives a NodeOperationError naming the field and
 * the item index, before anything is sent for that item. Every case runs three items with the
 * bad one in the middle: with Continue On Fail the other two still succeed and the bad one
 * becomes an error item; without it the node fails with that error.
 */
import type { ScenarioSimulator } from '../simulator/server';
import type { HarnessInputItem } from '../harness';
import {
	imageItem,
	mapped,
	modelById,
	pngImage,
	type ScenarioRun,
} from '../support/scenario-nodes';
import {
	category,
	expectOnePerInput,
	isErrorItem,
	pairedIndex,
	run,
	startSimulator,
} from './support';

const { test } = category('bad input');

let sim: ScenarioSimulator;
beforeAll(async () => {
	sim = await startSimulator(100);
});
afterEach(() => sim.reset());
afterAll(async () => await sim.close());

const BAD = 1;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface BadInputCase {
	name: string;
	/** The run; its items[BAD] is the bad one. */
	spec: () => ScenarioRun;
	/** The field as the message names it, e.g. `Prompt` or `Model input "Quality" (quality)`. */
	field: string;
	/** What is wrong, as the message says it (a pattern over the text between the field and the item). */
	problem: RegExp;
	/** Requests allowed for the bad item, e.g. the model lookup that found the id unknown. */
	allowedForBadItem?: (sim: ScenarioSimulator) => void;
	/** The good items are expected to succeed (false where the node is Wait for Job on fresh jobs, etc.). */
	goodItemsSucceed?: boolean;
}

/** Items 0 and 2 good, item 1 given by `bad`; prompts are distinct so submissions can be told apart. */
function threeItems(
	good: (i: number) => HarnessInputItem,
	bad: HarnessInputItem,
): HarnessInputItem[] {
	return [good(0), bad, good(2)];
}

const withImage = (i: number, json: Record<string, unknown> = {}): HarnessInputItem =>
	imageItem(`good-${i}`, { prompt: `good prompt ${i}`, ...json });
const textOnly = (i: number, json: Record<string, unknown> = {}): HarnessInputItem => ({
	json: { prompt: `good prompt ${i}`, ...json },
});

const gptImage2 = (inputs: Record<string, unknown>): ScenarioRun['parameters'] => ({
	model: modelById('model_openai-gpt-image-2'),
	inputs: mapped({ prompt: '={{ $json.prompt }}', ...inputs }),
});

const kontext = (inputs: Record<string, unknown>): ScenarioRun['parameters'] => ({
	model: modelById('model_flux-kontext-editing'),
	inputs: mapped({ prompt: '={{ $json.prompt }}', referenceImages: 'data', ...inputs }),
});

const promptEdit = (extra: Record<string, unknown> = {}): ScenarioRun['parameters'] => ({
	image: 'data',
	prompt: '={{ $json.prompt }}',
	model: modelById('model_google-gemini-2-5-flash-image-editing'),
	inputs: mapped({}),
	...extra,
});

const CASES: BadInputCase[] = [
	// ----- binaries -----
	{
		name: 'missing binary property (Custom Generate, file input)',
		spec: () => ({
			type: 'customGenerate',
			parameters: kontext({}),
			items: threeItems(withImage, textOnly(BAD)),
		}),
		field: 'Model input "Reference images" (referenceImages)',
		problem: /the input item has no binary property "data"/,
	},
	{
		name: 'missing binary property (Prompt Edit, Image to Edit)',
		spec: () => ({
			type: 'promptEdit',
			parameters: promptEdit(),
			items: threeItems(withImage, textOnly(BAD)),
		}),
		field: 'Image to Edit',
		problem: /the input item has no binary property "data"/,
	},
	{
		name: 'missing binary property (Img2Img, Image)',
		spec: () => ({
			type: 'img2img',
			parameters: {
				image: 'data',
				prompt: '={{ $json.prompt }}',
				strength: 0.5,
				model: modelById('model_YQrES2iPys22nYwh3YhVfMh8'),
				inputs: mapped({ numOutputs: 1 }),
			},
			items: threeItems(withImage, textOnly(BAD)),
		}),
		field: 'Image',
		problem: /the input item has no binary property "data"/,
	},
	{
		name: 'binary that is not an image (declared text/plain)',
		spec: () => ({
			type: 'customGenerate',
			parameters: kontext({}),
			items: threeItems(withImage, {
				json: { prompt: 'bad' },
				binary: {
					data: {
						data: Buffer.from('just some notes'),
						mimeType: 'text/plain',
						fileName: 'notes.txt',
					},
				},
			}),
		}),
		field: 'Model input "Reference images" (referenceImages)',
		problem: /Binary property "data" is text\/plain, not an image/,
	},
	{
		name: 'binary that is not an image (declared image/png, bytes of an HTML page)',
		spec: () => ({
			type: 'promptEdit',
			parameters: promptEdit(),
			items: threeItems(withImage, {
				json: { prompt: 'bad' },
				binary: {
					data: {
						data: Buffer.from('<!doctype html><title>403 Forbidden</title>'),
						mimeType: 'image/png',
						fileName: 'photo.png',
					},
				},
			}),
		}),
		field: 'Image to Edit',
		problem: /Binary property "data" is not a PNG, JPEG, WebP, GIF, SVG, AVIF, TIFF or HEIC image/,
	},
	{
		name: 'a file over the model input’s maxSize (Gemini 3.1 Flash video, 15 MB)',
		spec: () => ({
			type: 'customGenerate',
			parameters: {
				model: modelById('model_google-gemini-3-1-flash'),
				inputs: mapped({
					prompt: '={{ $json.prompt }}',
					video: '={{ $binary.data ? "data" : "" }}',
				}),
			},
			items: threeItems(textOnly, {
				json: { prompt: 'bad' },
				binary: {
					data: {
						data: Buffer.concat([
							Buffer.from('\x00\x00\x00\x20ftypisom'),
							Buffer.alloc(16 * 1024 * 1024),
						]),
						mimeType: 'video/mp4',
						fileName: 'clip.mp4',
					},
				},
			}),
		}),
		field: 'Model input "Input video" (video)',
		problem: /Binary property "data" is 16\.0 MB, over the model's limit of 15\.0 MB/,
	},

	// ----- counts, ids, values -----
	{
		name: 'too many reference images (Prompt Edit, Runway takes 3)',
		spec: () => ({
			type: 'promptEdit',
			parameters: promptEdit({
				model: modelById('model_runway-gen4-image-editing'),
				referenceImages: ['={{ $json.refs }}'],
			}),
			items: threeItems(
				(i) => withImage(i, { refs: 'asset_FIXTUREREFERENCE00000000' }),
				imageItem('bad', { prompt: 'bad', refs: ['asset_a1', 'asset_a2', 'asset_a3'] }),
			),
		}),
		field: 'Reference Images',
		problem:
			/4 images for model_runway-gen4-image-editing, which accepts at most 3 in "referenceImages" \(the image to edit counts as the first of them\)/,
	},
	{
		name: 'too many reference images (Custom Generate, file_array maxLength)',
		spec: () => ({
			type: 'customGenerate',
			parameters: kontext({ referenceImages: '={{ $json.refs }}' }),
			items: threeItems(
				(i) => withImage(i, { refs: 'data' }),
				imageItem('bad', {
					prompt: 'bad',
					refs: Array.from({ length: 11 }, () => 'asset_FIXTUREREFERENCE00000000'),
				}),
			),
		}),
		field: 'Model input "Reference images" (referenceImages)',
		problem: /has 11 items, the model accepts at most 10/,
	},
	{
		name: 'unknown model id (404)',
		spec: () => ({
			type: 'customGenerate',
			parameters: { ...gptImage2({}), model: modelById('={{ $json.model }}') },
			items: threeItems((i) => textOnly(i, { model: 'model_openai-gpt-image-2' }), {
				json: { prompt: 'bad', model: 'model_doesNotExist01' },
			}),
		}),
		field: 'Model',
		problem:
			/"model_doesNotExist01" was not found on Scenario: Model model_doesNotExist01 not found/,
		allowedForBadItem: (s) =>
			expect(s.calls('GET', '/models/model_doesNotExist01').map((call) => call.status)).toEqual([
				404,
			]),
	},
	{
		name: 'malformed model id',
		spec: () => ({
			type: 'customGenerate',
			parameters: { ...gptImage2({}), model: modelById('={{ $json.model }}') },
			items: threeItems((i) => textOnly(i, { model: 'model_openai-gpt-image-2' }), {
				json: { prompt: 'bad', model: 'gpt-image-2' },
			}),
		}),
		field: 'Model',
		problem: /"gpt-image-2" is not a Scenario model id \(model_…\)/,
	},
	{
		name: 'an option value not in allowedValues',
		spec: () => ({
			type: 'customGenerate',
			parameters: gptImage2({ quality: '={{ $json.quality }}' }),
			items: threeItems((i) => textOnly(i, { quality: 'high' }), {
				json: { prompt: 'bad', quality: 'ultra' },
			}),
		}),
		field: 'Model input "Quality" (quality)',
		problem: /"ultra" is not one of the allowed values: "auto", "high", "medium", "low"/,
	},
	{
		name: 'a number above its maximum',
		spec: () => ({
			type: 'customGenerate',
			parameters: gptImage2({ numOutputs: '={{ $json.n }}' }),
			items: threeItems((i) => textOnly(i, { n: 1 }), { json: { prompt: 'bad', n: 11 } }),
		}),
		field: 'Model input "Image Count" (numOutputs)',
		problem: /11 is above the maximum 10/,
	},
	{
		name: 'a number below its minimum',
		spec: () => ({
			type: 'customGenerate',
			parameters: gptImage2({ width: '={{ $json.w }}' }),
			items: threeItems((i) => textOnly(i, { w: 512 }), { json: { prompt: 'bad', w: 8 } }),
		}),
		field: 'Model input "Width" (width)',
		problem: /8 is below the minimum 16/,
	},
	{
		name: 'Img2Img strength out of range',
		spec: () => ({
			type: 'img2img',
			parameters: {
				image: 'data',
				prompt: '={{ $json.prompt }}',
				strength: '={{ $json.s }}',
				model: modelById('model_YQrES2iPys22nYwh3YhVfMh8'),
				inputs: mapped({ numOutputs: 1 }),
			},
			items: threeItems(
				(i) => withImage(i, { s: 0.4 }),
				imageItem('bad', { prompt: 'bad', s: 1.5 }),
			),
		}),
		field: 'Strength',
		problem: /must be a number from 0 to 1, got 1\.5/,
	},

	// ----- empty prompts -----
	{
		name: 'empty prompt (Custom Generate, required model input)',
		spec: () => ({
			type: 'customGenerate',
			parameters: gptImage2({}),
			items: threeItems(textOnly, { json: { prompt: '' } }),
		}),
		field: 'Model input "Prompt" (prompt)',
		problem: /is required by this model/,
	},
	{
		name: 'blank prompt, spaces only (Custom Generate)',
		spec: () => ({
			type: 'customGenerate',
			parameters: gptImage2({}),
			items: threeItems(textOnly, { json: { prompt: '   ' } }),
		}),
		field: 'Model input "Prompt" (prompt)',
		problem: /is required by this model/,
	},
	{
		name: 'empty prompt (Prompt Edit)',
		spec: () => ({
			type: 'promptEdit',
			parameters: promptEdit(),
			items: threeItems(withImage, imageItem('bad', { prompt: '  ' })),
		}),
		field: 'Prompt',
		problem: /is empty: say what to change in the image/,
	},
	{
		name: 'empty prompt (Img2Img with a model that needs one)',
		spec: () => ({
			type: 'img2img',
			parameters: {
				image: 'data',
				prompt: '={{ $json.prompt }}',
				strength: 0.5,
				model: modelById('model_YQrES2iPys22nYwh3YhVfMh8'),
				inputs: mapped({ numOutputs: 1 }),
			},
			items: threeItems(withImage, imageItem('bad', { prompt: '' })),
		}),
		field: 'Model input "Prompt" (prompt)',
		problem: /is required by this model/,
	},

	// ----- job ids -----
	{
		name: 'malformed job id (Wait for Job)',
		spec: () => ({
			type: 'waitForJob',
			parameters: { jobId: '={{ $json.jobId }}', timeoutSeconds: 10 },
			items: [
				{ json: { jobId: 'job_AAA' } },
				{ json: { jobId: 'job-42; drop' } },
				{ json: { jobId: 'job_BBB' } },
			],
		}),
		field: 'Job ID',
		problem: /"job-42; drop" is not a Scenario job id \(job_…\)/,
		goodItemsSucceed: false,
	},
	{
		name: 'empty job id (Wait for Job)',
		spec: () => ({
			type: 'waitForJob',
			parameters: { jobId: '={{ $json.jobId }}', timeoutSeconds: 10 },
			items: [{ json: { jobId: 'job_AAA' } }, { json: {} }, { json: { jobId: 'job_BBB' } }],
		}),
		field: 'Job ID',
		problem: /is empty \(got undefined\)/,
		goodItemsSucceed: false,
	},

	// ----- expressions resolving to the wrong type -----
	{
		name: 'expression giving text for a number input',
		spec: () => ({
			type: 'customGenerate',
			parameters: gptImage2({ numOutputs: '={{ $json.n }}' }),
			items: threeItems((i) => textOnly(i, { n: 1 }), { json: { prompt: 'bad', n: 'two' } }),
		}),
		field: 'Model input "Image Count" (numOutputs)',
		problem: /expected a number, got string "two"/,
	},
	{
		name: 'expression giving text for a boolean input',
		spec: () => ({
			type: 'customGenerate',
			parameters: {
				model: modelById('model_google-gemini-3-1-flash'),
				inputs: mapped({ prompt: '={{ $json.prompt }}', useGoogleSearch: '={{ $json.g }}' }),
			},
			items: threeItems((i) => textOnly(i, { g: false }), { json: { prompt: 'bad', g: 'yes' } }),
		}),
		field: 'Model input "Use Google Search" (useGoogleSearch)',
		problem: /expected true or false, got string "yes"/,
	},
	{
		name: 'expression giving an object for a text input',
		spec: () => ({
			type: 'customGenerate',
			parameters: gptImage2({ prompt: '={{ $json.p }}' }),
			items: threeItems((i) => textOnly(i, { p: `good prompt ${i}` }), {
				json: { prompt: 'bad', p: { text: 'a cat' } },
			}),
		}),
		field: 'Model input "Prompt" (prompt)',
		problem: /expected text, got an object/,
	},
	{
		name: 'expression giving an object for the Prompt Edit prompt',
		spec: () => ({
			type: 'promptEdit',
			parameters: promptEdit({ prompt: '={{ $json.p }}' }),
			items: threeItems(
				(i) => withImage(i, { p: `good prompt ${i}` }),
				imageItem('bad', { p: { text: 'sky' } }),
			),
		}),
		field: 'Prompt',
		problem: /expected text, got (an )?object/,
	},
	{
		name: 'expression giving an object as a reference image',
		spec: () => ({
			type: 'promptEdit',
			parameters: promptEdit({ referenceImages: ['={{ $json.ref }}'] }),
			items: threeItems(
				(i) => withImage(i, { ref: 'asset_FIXTUREREFERENCE00000000' }),
				imageItem('bad', { prompt: 'bad', ref: { id: 'asset_x' } }),
			),
		}),
		field: 'Reference Images',
		problem: /expected text, got (an )?object/,
	},
	{
		name: 'expression giving text for Img2Img strength',
		spec: () => ({
			type: 'img2img',
			parameters: {
				image: 'data',
				prompt: '={{ $json.prompt }}',
				strength: '={{ $json.s }}',
				model: modelById('model_YQrES2iPys22nYwh3YhVfMh8'),
				inputs: mapped({ numOutputs: 1 }),
			},
			items: threeItems(
				(i) => withImage(i, { s: 0.4 }),
				imageItem('bad', { prompt: 'bad', s: 'strong' }),
			),
		}),
		field: 'Strength',
		problem: /must be a number from 0 to 1, got "strong"/,
	},
	{
		name: 'expression giving a number for the job id',
		spec: () => ({
			type: 'waitForJob',
			parameters: { jobId: '={{ $json.jobId }}', timeoutSeconds: 10 },
			items: [
				{ json: { jobId: 'job_AAA' } },
				{ json: { jobId: 42 } },
				{ json: { jobId: 'job_BBB' } },
			],
		}),
		field: 'Job ID',
		problem: /expected text, got number 42/,
		goodItemsSucceed: false,
	},
	{
		name: 'expression giving a number for the model',
		spec: () => ({
			type: 'customGenerate',
			parameters: { ...gptImage2({}), model: modelById('={{ $json.model }}') },
			items: threeItems((i) => textOnly(i, { model: 'model_openai-gpt-image-2' }), {
				json: { prompt: 'bad', model: 7 },
			}),
		}),
		field: 'Model',
		problem: /expected a model id \(model_…\), got number 7/,
	},
];

/** Nothing went out for the bad item: no upload of its bytes, no generation with its prompt. */
function expectNothingSentForBadItem(c: BadInputCase, items: HarnessInputItem[]): void {
	const bad = items[BAD];
	const generations = sim
		.calls('POST', '/generate/')
		.filter((call) =>
			JSON.stringify(call.body).includes(JSON.stringify(bad.json.prompt ?? '\u0000')),
		);
	expect(generations).toEqual([]);
	const badBytes = bad.binary?.data?.data;
	if (badBytes && badBytes.length < 1024 * 1024) {
		const uploads = sim
			.calls('POST', '/assets')
			.filter(
				(call) =>
					(call.body as { image?: string } | undefined)?.image === badBytes.toString('base64'),
			);
		expect(uploads).toEqual([]);
	}
	expect(sim.calls('POST', '/uploads')).toEqual([]);
	c.allowedForBadItem?.(sim);
}

// Wait for Job cases reference jobs that must exist for the good items.
async function withJobs(spec: ScenarioRun): Promise<ScenarioRun> {
	if (spec.type !== 'waitForJob') return spec;
	const made = await run(sim, {
		type: 'customGenerate',
		parameters: { ...gptImage2({}), options: { waitForCompletion: false } },
		items: [textOnly(0), textOnly(2)],
	});
	const [first, second] = made.items.map((item) => String(item.json.jobId));
	sim.log.length = 0;
	const items = (spec.items ?? []).map((item) => {
		if (item.json.jobId === 'job_AAA') return { json: { jobId: first } };
		if (item.json.jobId === 'job_BBB') return { json: { jobId: second } };
		return item;
	});
	return { ...spec, items };
}

/**
 * Generating nodes run with Wait for Completion off: the cases are about what is checked before
 * sending, and the good items only need to be seen submitted (keeps the 50-odd runs fast).
 */
function quick(spec: ScenarioRun): ScenarioRun {
	if (spec.type === 'waitForJob') return spec;
	const options = (spec.parameters.options ?? {}) as Record<string, unknown>;
	return {
		...spec,
		parameters: { ...spec.parameters, options: { ...options, waitForCompletion: false } },
	};
}

describe('bad input gives a NodeOperationError naming the field and the item', () => {
	for (const c of CASES) {
		test(c.name, async () => {
			const expected = new RegExp(`^${escape(c.field)}: ${c.problem.source} \\[item ${BAD}\\]$`);

			const spec = await withJobs(quick(c.spec()));
			const tolerant = await run(sim, { ...spec, continueOnFail: true });
			expect(tolerant.status).toBe('success');
			expectOnePerInput(tolerant.items, 3);
			const failed = tolerant.items.filter(isErrorItem);
			expect(failed.map(pairedIndex)).toEqual([BAD]);
			expect(failed[0].json.error).toMatch(expected);
			if (c.goodItemsSucceed !== false) {
				// The good items were submitted (their job ids are the output, Wait for Completion being off).
				for (const item of tolerant.items.filter((candidate) => !isErrorItem(candidate)))
					expect(item.json.jobId).toMatch(/^job_/);
			}
			expectNothingSentForBadItem(c, spec.items ?? []);

			sim.reset();
			const strictSpec = await withJobs(quick(c.spec()));
			const strict = await run(sim, { ...strictSpec, continueOnFail: false });
			expect(strict.status).toBe('error');
			expect(strict.items).toEqual([]);
			expect({ name: strict.error?.name, message: strict.error?.message }).toEqual({
				name: 'NodeOperationError',
				message: expect.stringMatching(expected),
			});
			expectNothingSentForBadItem(c, strictSpec.items ?? []);
		});
	}
});

describe('bad input found before any request', () => {
	test('a bad value on the only item sends no generation and uploads nothing', async () => {
		const result = await run(sim, {
			type: 'customGenerate',
			parameters: kontext({ quality: 'ultra' }),
			items: [imageItem('only', { prompt: 'x' })],
		});
		expect(result.error?.message).toMatch(
			/^Model input "Quality" \(quality\): "ultra" is not one of the allowed values: "high", "medium" \[item 0\]$/,
		);
		// The model was read to know its inputs; nothing else went out.
		expect(sim.log.map((call) => `${call.method} ${call.path}`)).toEqual([
			'GET /v1/models/model_flux-kontext-editing',
		]);
	});

	test('an input the model does not have is named, with the inputs it does have', async () => {
		const result = await run(sim, {
			type: 'customGenerate',
			parameters: gptImage2({ steps: 30 }),
			items: [{ json: { prompt: 'x' } }],
		});
		expect(result.error?.name).toBe('NodeOperationError');
		expect(result.error?.message).toMatch(
			/^Model input "steps": model model_openai-gpt-image-2 has no such input \(it takes: prompt, referenceImages, .*\) \[item 0\]$/,
		);
		expect(sim.calls('POST', '/generate/')).toEqual([]);
	});

	test('an option whose expression gives the wrong type names the option and the item; nothing is sent', async () => {
		const strict = await run(sim, {
			type: 'customGenerate',
			parameters: { ...gptImage2({}), options: { maxConcurrentJobs: '={{ "ten" }}' } },
			items: [textOnly(0), textOnly(1)],
		});
		expect({ name: strict.error?.name, message: strict.error?.message }).toEqual({
			name: 'NodeOperationError',
			message: 'Max Concurrent Jobs: expected a number, got string "ten" [item 0]',
		});
		const tolerant = await run(sim, {
			type: 'waitForJob',
			parameters: { jobId: '={{ $json.jobId }}', timeoutSeconds: '={{ { s: 10 } }}' },
			items: [{ json: { jobId: 'job_AAA' } }, { json: { jobId: 'job_BBB' } }],
			continueOnFail: true,
		});
		// Read per item (an expression may differ per item): with Continue On Fail every input gets
		// its own error item, naming its own index (not passed through as if processed).
		expectOnePerInput(tolerant.items, 2);
		tolerant.items.forEach((item, itemIndex) =>
			expect(item.json.error).toBe(
				`Timeout (Seconds): expected a number, got object {"s":10} [item ${itemIndex}]`,
			),
		);
		expect(sim.log).toEqual([]);
	});

	test('a mask for a model without one names the Mask field', async () => {
		const item = imageItem('room', { prompt: 'x' });
		item.binary!.mask = { data: pngImage('mask'), mimeType: 'image/png', fileName: 'mask.png' };
		const result = await run(sim, {
			type: 'promptEdit',
			parameters: promptEdit({ mask: 'mask', model: modelById('model_flux-kontext-editing') }),
			items: [item],
		});
		expect(result.error?.name).toBe('NodeOperationError');
		expect(result.error?.message).toMatch(
			/^Mask: model_flux-kontext-editing takes no mask.*\[item 0\]$/,
		);
		expect(sim.calls('POST', '/assets')).toEqual([]);
	});
});
