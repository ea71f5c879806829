/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * Files of every kind, through n8n-core's engine: video, audio and 3D inputs from binaries and
 * URLs go up by multipart `/uploads` with their own kind and content type (never `POST /assets`,
 * which takes images only), whatever n8n's binary mode; outputs of video and 3D models come
 * back as binaries of their type; outputs say which they are (PATINA's maps); upload waits
 * follow Scenario's statuses; a dry run says what it uploaded. Test files are built in code
 * (test/simulator/media.ts): a real MP4 (ftyp box), WAV and GLB.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { watchOpenedFiles } from '../harness';
import type { HarnessBinaryMode, HarnessInputItem, OpenedFilesWatch } from '../harness';
import { mediaFile, mediaKindOf, mp4File } from '../simulator/media';
import { ScenarioSimulator } from '../simulator/server';
import { padPng, sniffImage } from '../simulator/png';
import { INLINE_BODY_LIMIT, inlineBodyBytes } from '../../nodes/shared/files/inline-upload';
import { mapped, modelById, pngImage, runScenarioNode } from '../support/scenario-nodes';

let sim: ScenarioSimulator;
/** A user's own file host on loopback, serving videos. */
let host: Server;
let hostUrl: string;

beforeAll(async () => {
	sim = await ScenarioSimulator.start({ jobDurationMs: 200 });
	host = createServer((req, res) => {
		const clip = mp4File('hosted clip');
		if (req.url === '/media/clip.mp4') {
			res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': clip.length });
			res.end(clip);
		} else if (req.url === '/download?id=42') {
			// A file host that names no type: the bytes tell.
			res.writeHead(200, { 'content-type': 'application/octet-stream' });
			res.end(clip);
		} else if (req.url === '/media/huge.mp4') {
			// 16 MB, announced only by streaming it (no Content-Length).
			res.writeHead(200, { 'content-type': 'video/mp4' });
			res.end(mp4File('huge', 16 * 1024 * 1024));
		} else res.writeHead(404).end();
	});
	await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
	hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
});
afterEach(() => sim.reset());
afterAll(async () => {
	await sim.close();
	await new Promise((resolve) => host.close(resolve));
});

const file = (kind: string, seed: string, fileName: string, mimeType?: string, minBytes = 0) => {
	const media = mediaFile(kind, seed, minBytes)!;
	return { data: media.bytes, mimeType: mimeType ?? media.mimeType, fileName };
};

/** One input item whose binary `data` is a PNG, declared as `mimeType`, beside other binaries. */
const pngItem = (
	seed: string,
	fileName: string,
	mimeType = 'image/png',
	binary: HarnessInputItem['binary'] = {},
): HarnessInputItem => ({
	json: {},
	binary: { data: { data: pngImage(seed), mimeType, fileName }, ...binary },
});

/** What the simulator holds for an uploaded asset id. */
const assetOf = (id: unknown) => sim.assets.get(String(id));
/** The `POST /uploads` calls that created an upload (not its actions). */
const uploadsCreated = () =>
	sim.calls('POST', '/uploads').filter((call) => call.path === '/v1/uploads');
/** The names of the files sent inline by `POST /assets`. */
const inlineNames = () =>
	sim.calls('POST', '/assets').map((call) => (call.body as { name: string }).name);
const generation = () => {
	const posts = sim.calls('POST', '/generate/');
	expect(posts).toHaveLength(1);
	return posts[0].body as Record<string, unknown>;
};

describe('video, audio and 3D files in', () => {
	it.each<HarnessBinaryMode>(['filesystem', 'default'])(
		'an MP4 into Seedance 2.0 Mini referenceVideos and a WAV into referenceAudio go up by /uploads with their kind (%s binary mode); the video output comes back as video/mp4',
		async (binaryMode) => {
			const item: HarnessInputItem = {
				json: { prompt: 'the dancer from the clip, to the beat' },
				binary: {
					clip: file('video', 'dance clip', 'dance.mp4'),
					// Declared as nothing in particular: the bytes say WAV.
					beat: file('audio', 'beat', 'beat.wav', 'application/octet-stream'),
				},
			};
			const result = await runScenarioNode(sim, {
				type: 'customGenerate',
				parameters: {
					model: modelById('model_bytedance-seedance-2-0-mini'),
					inputs: mapped({
						prompt: '={{ $json.prompt }}',
						referenceVideos: 'clip',
						referenceAudio: 'beat',
					}),
				},
				items: [item],
				binaryMode,
			});
			expect(result.error?.message).toBeUndefined();
			// Nothing went to POST /assets: it takes images only.
			expect(sim.calls('POST', '/assets')).toEqual([]);
			const uploads = uploadsCreated();
			expect(
				uploads
					.map((call) => call.body)
					.sort((a, b) => ((a as never)['kind'] > (b as never)['kind'] ? -1 : 1)),
			).toEqual([
				{
					fileName: 'dance.mp4',
					fileSize: item.binary!.clip.data.length,
					contentType: 'video/mp4',
					kind: 'video',
					parts: 1,
				},
				{
					fileName: 'beat.wav',
					fileSize: item.binary!.beat.data.length,
					contentType: 'audio/wav',
					kind: 'audio',
					parts: 1,
				},
			]);
			const body = generation();
			const [video] = body.referenceVideos as string[];
			const [audio] = body.referenceAudio as string[];
			expect(assetOf(video)).toMatchObject({ kind: 'video', mimeType: 'video/mp4' });
			expect(assetOf(video)!.bytes.equals(item.binary!.clip.data)).toBe(true);
			expect(assetOf(audio)).toMatchObject({ kind: 'audio', mimeType: 'audio/wav' });
			expect(assetOf(audio)!.bytes.equals(item.binary!.beat.data)).toBe(true);

			expect(result.items).toHaveLength(1);
			const [out] = result.items;
			expect(out.json).toMatchObject({
				kind: 'video',
				// Only PATINA's output types are recorded: the simulator gives this one none.
				type: null,
				mimeType: 'video/mp4',
				width: null,
				height: null,
			});
			const binary = result.binaryData(out, 'data');
			expect(binary).toMatchObject({
				mimeType: 'video/mp4',
				fileExtension: 'mp4',
				fileName: `${String(out.json.assetId)}.mp4`,
			});
			expect(mediaKindOf(await result.binary(out, 'data'))).toBe('video');
		},
	);

	it('a GLB into Rodin’s required 3D "model" input (and the PNG into "image" by POST /assets); the 3D output comes back as model/gltf-binary', async () => {
		const glb = file('3d', 'character', 'character.glb');
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: {
				model: modelById('model_rodin-hyper3d-bang'),
				inputs: mapped({ model: 'mesh', image: 'data' }),
			},
			items: [pngItem('rodin view', 'view.png', 'image/png', { mesh: glb })],
		});
		expect(result.error?.message).toBeUndefined();
		expect(inlineNames()).toEqual(['view.png']);
		const [upload] = uploadsCreated();
		expect(upload.body).toMatchObject({
			fileName: 'character.glb',
			kind: '3d',
			contentType: 'model/gltf-binary',
		});
		const body = generation();
		expect(assetOf(body.model)).toMatchObject({ kind: '3d', mimeType: 'model/gltf-binary' });
		expect(assetOf(body.image)).toMatchObject({ kind: 'image' });
		const [out] = result.items;
		expect(out.json).toMatchObject({ kind: '3d', type: null, mimeType: 'model/gltf-binary' });
		expect(result.binaryData(out, 'data')).toMatchObject({
			mimeType: 'model/gltf-binary',
			fileExtension: 'glb',
			fileName: `${String(out.json.assetId)}.glb`,
		});
		expect(mediaKindOf(await result.binary(out, 'data'))).toBe('3d');
	});

	it('a 9 MB video kept on disk by n8n goes up by multipart, streamed in two parts', async () => {
		const big = file('video', 'long take', 'long-take.mp4', 'video/mp4', 9 * 1024 * 1024);
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: {
				model: modelById('model_bytedance-seedance-2-0-mini'),
				inputs: mapped({ prompt: 'cut it shorter', referenceVideos: 'data' }),
			},
			items: [{ json: {}, binary: { data: big } }],
			binaryMode: 'filesystem',
		});
		expect(result.error?.message).toBeUndefined();
		const [upload] = uploadsCreated();
		expect(upload.body).toEqual({
			fileName: 'long-take.mp4',
			fileSize: big.data.length,
			contentType: 'video/mp4',
			kind: 'video',
			parts: 2,
		});
		const puts = sim.calls('PUT', '/', 'upload');
		expect(puts.map((put) => put.bodyBytes)).toEqual([
			8 * 1024 * 1024,
			big.data.length - 8 * 1024 * 1024,
		]);
		expect(puts.every((put) => put.headers['content-type'] === 'video/mp4')).toBe(true);
		const [video] = generation().referenceVideos as string[];
		expect(assetOf(video)!.bytes.equals(big.data)).toBe(true);
	});

	it('a video URL (typed, or untyped whose bytes tell) is fetched and uploaded as a video', async () => {
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: {
				model: modelById('model_bytedance-seedance-2-0-mini'),
				inputs: mapped({
					prompt: 'the same, at dusk',
					referenceVideos: `${hostUrl}/media/clip.mp4\n${hostUrl}/download?id=42`,
				}),
			},
		});
		expect(result.error?.message).toBeUndefined();
		expect(sim.calls('POST', '/assets')).toEqual([]);
		const uploads = uploadsCreated();
		expect(
			uploads
				.map((call) => call.body)
				.sort((a, b) =>
					(a as { fileName: string }).fileName < (b as { fileName: string }).fileName ? -1 : 1,
				),
		).toEqual([
			expect.objectContaining({ fileName: 'clip.mp4', kind: 'video', contentType: 'video/mp4' }),
			// The URL's name has no extension: the bytes' type gives it one.
			expect.objectContaining({
				fileName: 'download.mp4',
				kind: 'video',
				contentType: 'video/mp4',
			}),
		]);
		const videos = generation().referenceVideos as string[];
		expect(videos).toHaveLength(2);
		for (const id of videos) expect(assetOf(id)!.bytes.equals(mp4File('hosted clip'))).toBe(true);
	});

	it('a video URL over the model’s maxSize (Gemini 3.1 Flash: 15 MB) is refused after 15 MB read, before any upload', async () => {
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: {
				model: modelById('model_google-gemini-3-1-flash'),
				inputs: mapped({ prompt: 'describe it', video: `${hostUrl}/media/huge.mp4` }),
			},
		});
		expect(result.error?.message).toMatch(
			/^Model input "Input video" \(video\): the file at .*huge\.mp4 is over 15\.0 MB, over the limit of 15\.0 MB the model states \[item 0\]$/,
		);
		expect(sim.calls('POST', '/uploads')).toEqual([]);
		expect(sim.calls('POST', '/generate/')).toEqual([]);
	});

	it('refuses a file of another kind for a video input, naming the field and the item, before anything is sent', async () => {
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: {
				model: modelById('model_bytedance-seedance-2-0-mini'),
				inputs: mapped({ prompt: 'x', referenceVideos: 'data' }),
			},
			items: [pngItem('still', 'still.mp4', 'video/mp4')],
		});
		expect(result.error?.message).toBe(
			'Model input "Reference Videos" (referenceVideos): Binary property "data" is image/png (image), not a video [item 0]',
		);
		expect(sim.log.filter((call) => call.method === 'POST')).toEqual([]);
	});
});

describe("POST /assets stays under Scenario's 6 MB (the whole body, in bytes: the strictest reading)", () => {
	/** A PNG whose POST /assets body (base64 image + name) would be `bodyBytes` long. */
	const pngForBody = (bodyBytes: number, fileName: string) => {
		const overhead = inlineBodyBytes(0, fileName);
		return padPng(pngImage(fileName), Math.floor((bodyBytes - overhead) / 4) * 3, fileName);
	};

	it.each(['default', 'filesystem'] as const)(
		'in %s binary mode: the largest image that fits goes inline, under 6,000,000 bytes of body; 3 bytes more go by /uploads',
		async (binaryMode) => {
			const fits = pngForBody(INLINE_BODY_LIMIT - 1, 'fits.png');
			// One more base64 quantum (3 bytes) tips the body over the limit.
			const tipped = padPng(pngImage('tipped.png'), fits.length + 3, 'tipped.png');
			const result = await runScenarioNode(sim, {
				type: 'customGenerate',
				parameters: {
					model: modelById('model_openai-gpt-image-2'),
					inputs: mapped({ prompt: 'one style', referenceImages: 'data\ntipped' }),
				},
				items: [
					{
						json: {},
						binary: {
							data: { data: fits, mimeType: 'image/png', fileName: 'fits.png' },
							tipped: { data: tipped, mimeType: 'image/png', fileName: 'fits.png' },
						},
					},
				],
				binaryMode,
			});
			expect(result.error?.message).toBeUndefined();
			const inline = sim.calls('POST', '/assets');
			expect(inline).toHaveLength(1);
			const sent = Buffer.byteLength(JSON.stringify(inline[0].body));
			expect(sent).toBeLessThan(INLINE_BODY_LIMIT);
			expect(sent).toBeGreaterThan(INLINE_BODY_LIMIT - 5); // the edge, not far below it
			expect(uploadsCreated().map((call) => (call.body as { fileSize: number }).fileSize)).toEqual([
				tipped.length,
			]);
			expect(inlineBodyBytes(tipped.length, 'fits.png')).toBeGreaterThanOrEqual(INLINE_BODY_LIMIT);
			const [first, second] = generation().referenceImages as string[];
			expect(assetOf(first)!.bytes.equals(fits)).toBe(true);
			expect(assetOf(second)!.bytes.equals(tipped)).toBe(true);
		},
	);
});

describe('images in the formats Scenario documents', () => {
	// DOCS uploading-assets lists JPEG, PNG, GIF, SVG, WebP, AVIF, TIFF and HEIF/HEIC.
	const svg = Buffer.from(
		'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8" fill="teal"/></svg>\n',
	);
	// A little-endian TIFF header and an IFD with no entries: enough for the bytes to say TIFF.
	const tiff = Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

	it('a PNG goes by POST /assets; an SVG and a TIFF (declared as nothing) by /uploads with kind image and their real content type', async () => {
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: {
				model: modelById('model_openai-gpt-image-2'),
				inputs: mapped({ prompt: 'one style', referenceImages: 'data\nvector\nscan' }),
			},
			items: [
				pngItem('photo', 'photo.png', 'image/png', {
					vector: { data: svg, mimeType: 'image/svg+xml', fileName: 'logo.svg' },
					scan: { data: tiff, mimeType: 'application/octet-stream', fileName: 'scan' },
				}),
			],
		});
		expect(result.error?.message).toBeUndefined();
		expect(inlineNames()).toEqual(['photo.png']);
		expect(
			uploadsCreated()
				.map((call) => call.body as Record<string, unknown>)
				.sort((a, b) => String(a.fileName).localeCompare(String(b.fileName))),
		).toEqual([
			{
				fileName: 'logo.svg',
				fileSize: svg.length,
				contentType: 'image/svg+xml',
				kind: 'image',
				parts: 1,
			},
			{
				fileName: 'scan',
				fileSize: tiff.length,
				contentType: 'image/tiff',
				kind: 'image',
				parts: 1,
			},
		]);
		const sent = generation().referenceImages as string[];
		expect(sent.map((id) => assetOf(id)?.mimeType)).toEqual([
			'image/png',
			'image/svg+xml',
			'image/tiff',
		]);
		expect(sent.every((id) => assetOf(id)?.kind === 'image')).toBe(true);
	});

	it('a file whose bytes are no documented image format is refused, naming the formats', async () => {
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: {
				model: modelById('model_openai-gpt-image-2'),
				inputs: mapped({ prompt: 'x', referenceImages: 'data' }),
			},
			items: [
				{
					json: {},
					binary: {
						data: { data: Buffer.from('BM not really'), mimeType: 'image/bmp', fileName: 'a.bmp' },
					},
				},
			],
		});
		expect(result.error?.message).toBe(
			'Model input "Reference Images" (referenceImages): Binary property "data" is not a PNG, JPEG, WebP, GIF, SVG, AVIF, TIFF or HEIC image [item 0]',
		);
		expect(sim.log.filter((call) => call.method === 'POST')).toEqual([]);
	});
});

describe('files n8n keeps on disk are closed again', () => {
	// An unclosed FileHandle is closed only by the garbage collector, late or never: with many
	// items that runs out of descriptors.
	let files: OpenedFilesWatch;
	beforeEach(() => {
		files = watchOpenedFiles();
	});
	afterEach(() => files.stop());

	const clipItems = (count: number): HarnessInputItem[] =>
		Array.from({ length: count }, (_, i) => ({
			json: { prompt: `clip ${i}` },
			binary: {
				clip: file('video', `clip ${i}`, `clip-${i}.mp4`),
				beat: file('audio', `beat ${i}`, `beat-${i}.wav`),
			},
		}));
	// One file in two parts: while the first is sent, the file is open and half read.
	const longTake = {
		parameters: {
			model: modelById('model_bytedance-seedance-2-0-mini'),
			inputs: mapped({ prompt: '={{ $json.prompt }}', referenceVideos: 'clip' }),
		},
		items: [
			{
				json: { prompt: 'long take' },
				binary: {
					clip: file('video', 'long take', 'long-take.mp4', 'video/mp4', 9 * 1024 * 1024),
				},
			},
		],
	};
	const refusePuts = (rule: { every?: number; times?: number }) =>
		sim.inject({
			method: 'PUT',
			path: '/',
			origin: 'upload',
			...rule,
			fault: { kind: 'status', status: 403 },
		});

	it('after 12 items streamed, every 4th upload refused (Continue On Fail)', async () => {
		refusePuts({ every: 4 });
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: {
				model: modelById('model_bytedance-seedance-2-0-mini'),
				inputs: mapped({
					prompt: '={{ $json.prompt }}',
					referenceVideos: 'clip',
					referenceAudio: 'beat',
				}),
			},
			items: clipItems(12),
			continueOnFail: true,
		});
		expect(result.items).toHaveLength(12);
		expect(result.items.some((item) => item.json.error !== undefined)).toBe(true);
		expect(result.items.some((item) => item.json.error === undefined)).toBe(true);
		expect(await files.stillOpen(result.binaryStoragePath)).toEqual([]);
	});

	it('after an upload refused in the middle of the file', async () => {
		refusePuts({ times: 1 });
		const result = await runScenarioNode(sim, { type: 'customGenerate', ...longTake });
		expect(result.error?.message).toMatch(/\(HTTP 403\) \[item 0\]$/);
		expect(sim.calls('PUT', '/', 'upload').map((put) => put.bodyBytes)).toEqual([8 * 1024 * 1024]);
		expect(await files.stillOpen(result.binaryStoragePath)).toEqual([]);
	});

	it('after the execution is canceled while a part is on its way', async () => {
		sim.inject({
			method: 'PUT',
			path: '/',
			origin: 'upload',
			fault: { kind: 'slow', delayMs: 3_000 },
		});
		const controller = new AbortController();
		const running = runScenarioNode(sim, {
			type: 'customGenerate',
			...longTake,
			signal: controller.signal,
		});
		while (sim.calls('PUT', '/', 'upload').length === 0) {
			await new Promise((resolve) => setTimeout(resolve, 10));
		}
		controller.abort();
		const result = await running;
		expect(result.cancelled || result.status === 'canceled').toBe(true);
		expect(await files.stillOpen(result.binaryStoragePath)).toEqual([]);
	});
});

describe('a file input whose kind Scenario does not state', () => {
	it('takes the file’s own kind: an MP4 goes up as a video, a PNG by POST /assets', async () => {
		// The recorded Seedance 2.0 Mini body, with `kind` left out of its reference inputs.
		const recorded = JSON.parse(
			readFileSync(
				join(
					__dirname,
					'..',
					'fixtures',
					'scenario-api',
					'models',
					'model_bytedance-seedance-2-0-mini.json',
				),
				'utf8',
			),
		) as { model: { inputs: Array<Record<string, unknown>> } };
		for (const input of recorded.model.inputs)
			if (input.name === 'referenceVideos' || input.name === 'referenceImages') {
				delete input.kind;
				input.label = `${String(input.label)} (no kind)`;
			}
		sim.inject({
			method: 'GET',
			path: '/models/model_bytedance-seedance-2-0-mini',
			fault: { kind: 'status', status: 200, body: recorded },
		});
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: {
				model: modelById('model_bytedance-seedance-2-0-mini'),
				inputs: mapped({ prompt: 'x', referenceVideos: 'clip', referenceImages: 'still' }),
			},
			continueOnFail: true,
			items: [
				{
					json: {},
					binary: {
						clip: file('video', 'no kind', 'clip.bin', 'application/octet-stream'),
						still: { data: pngImage('no kind'), mimeType: 'image/png', fileName: 'still.png' },
					},
				},
				// No files: its error names the input by the label of the body served above.
				{ json: {} },
			],
		});
		expect(result.items[1].json.error).toMatch(/^Model input "Reference Videos \(no kind\)"/);
		expect(result.items[0].json.error).toBeUndefined();
		const [upload] = uploadsCreated();
		expect(upload.body).toMatchObject({
			fileName: 'clip.bin',
			kind: 'video',
			contentType: 'video/mp4',
		});
		expect(inlineNames()).toEqual(['still.png']);
		const body = generation();
		expect(assetOf((body.referenceVideos as string[])[0])?.kind).toBe('video');
		expect(assetOf((body.referenceImages as string[])[0])?.kind).toBe('image');
	});
});

describe('outputs say what they are', () => {
	it('a PATINA Material job’s six outputs carry kind and type, in the json and the file name, whatever their order', async () => {
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: {
				model: modelById('model_patina-material'),
				inputs: mapped({ prompt: 'weathered copper patina with verdigris streaks' }),
			},
		});
		expect(result.error?.message).toBeUndefined();
		expect(result.items).toHaveLength(6);
		const types = result.items.map((item) => item.json.type);
		expect([...types].sort()).toEqual(
			[
				'inference-txt2img-texture',
				'texture-albedo',
				'texture-height',
				'texture-metallic',
				'texture-normal',
				'texture-smoothness',
			].sort(),
		);
		// The simulator answers them in no fixed order (as Scenario does): the base texture is not first.
		expect(types[0]).not.toBe('inference-txt2img-texture');
		for (const item of result.items) {
			expect(item.json).toMatchObject({ kind: 'image', mimeType: 'image/png' });
			expect(result.binaryData(item, 'data').fileName).toBe(
				`${String(item.json.assetId)}-${String(item.json.type)}.png`,
			);
			expect(sniffImage(await result.binary(item, 'data'))?.mimeType).toBe('image/png');
		}
	});

	it('with Download off, the items still carry kind and type (null: only PATINA’s types are recorded)', async () => {
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: {
				model: modelById('model_meshy-7-txt23d'),
				inputs: mapped({ prompt: 'a chair' }),
				options: { downloadImages: false },
			},
		});
		expect(result.error?.message).toBeUndefined();
		expect(result.items[0].binary).toBeUndefined();
		expect(result.items[0].json).toMatchObject({
			kind: '3d',
			type: null,
			mimeType: 'model/gltf-binary',
		});
	});
});

describe('upload completion and Dry Run', () => {
	it('waits through validating and validated until the upload names its asset', async () => {
		sim.setUploadValidation(900);
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: {
				model: modelById('model_bytedance-seedance-2-0-mini'),
				inputs: mapped({ prompt: 'x', referenceAudio: 'data' }),
			},
			items: [{ json: {}, binary: { data: file('audio', 'slow', 'slow.wav') } }],
		});
		expect(result.error?.message).toBeUndefined();
		const polls = sim.calls('GET', /^\/uploads\/upload_/);
		expect(polls.length).toBeGreaterThanOrEqual(2);
		const [audio] = generation().referenceAudio as string[];
		expect(assetOf(audio)?.kind).toBe('audio');
	});

	describe('completing an upload (whether a second complete is harmless is unknown)', () => {
		const action = /^\/uploads\/upload_\w+\/action$/;
		const runAudio = async () =>
			await runScenarioNode(sim, {
				type: 'customGenerate',
				parameters: {
					model: modelById('model_bytedance-seedance-2-0-mini'),
					inputs: mapped({ prompt: 'x', referenceAudio: 'data' }),
				},
				items: [{ json: {}, binary: { data: file('audio', 'completed', 'completed.wav') } }],
			});
		// What Scenario answers a second complete is unknown: this 409 stands in for any refusal.
		const refusal = {
			kind: 'status' as const,
			status: 409,
			body: { reason: 'Simulated refusal of a second complete' },
		};
		const actions = () => sim.calls('POST', action);

		it('a complete taken but whose answer was lost is sent again; a 4xx to the repeat goes on to the upload status', async () => {
			// The simulator handles the first complete, then resets the connection mid-answer.
			sim.inject({ method: 'POST', path: action, times: 1, fault: { kind: 'reset' } });
			sim.inject({ method: 'POST', path: action, times: 1, fault: refusal });
			const result = await runAudio();
			expect(result.error?.message).toBeUndefined();
			expect(actions().map((call) => call.status)).toEqual([0, 409]);
			const [audio] = generation().referenceAudio as string[];
			expect(assetOf(audio)?.kind).toBe('audio');
		});

		it('a 4xx to a repeat while the upload is still pending (no complete taken) fails the item with that answer', async () => {
			// A bare 500 before the handler: the first complete was not taken.
			sim.inject({
				method: 'POST',
				path: action,
				times: 1,
				fault: { kind: 'status', status: 500 },
			});
			sim.inject({ method: 'POST', path: action, times: 1, fault: refusal });
			const result = await runAudio();
			expect(result.error?.message).toMatch(
				/^Uploading Model input "Reference Audio" \(referenceAudio\) failed: Simulated refusal of a second complete \(HTTP 409\)/,
			);
			expect(actions()).toHaveLength(2);
			expect(sim.calls('POST', '/generate/')).toEqual([]);
		});

		it('a 4xx to the first complete fails the item, not sent again', async () => {
			sim.inject({ method: 'POST', path: action, times: 1, fault: refusal });
			const result = await runAudio();
			expect(result.error?.message).toMatch(/Simulated refusal of a second complete \(HTTP 409\)/);
			expect(actions()).toHaveLength(1);
		});
	});

	it('fails with Scenario’s errorMessage when the import fails', async () => {
		sim.inject({
			method: 'GET',
			path: /^\/uploads\/upload_/,
			fault: {
				kind: 'status',
				status: 200,
				body: {
					upload: { id: 'upload_x', status: 'failed', errorMessage: 'Unsupported video codec' },
				},
			},
		});
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: {
				model: modelById('model_bytedance-seedance-2-0-mini'),
				inputs: mapped({ prompt: 'x', referenceVideos: 'data' }),
			},
			items: [{ json: {}, binary: { data: file('video', 'codec', 'codec.mp4') } }],
		});
		expect(result.error?.message).toBe(
			'Model input "Reference Videos" (referenceVideos): Scenario could not import the upload: Unsupported video codec [item 0]',
		);
		expect(sim.calls('POST', '/generate/')).toEqual([]);
	});

	it('Dry Run uploads the files (as its description says), prices the real request and lists what it uploaded', async () => {
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: {
				model: modelById('model_bytedance-seedance-2-0-mini'),
				inputs: mapped({ prompt: 'x', referenceVideos: 'data' }),
				options: { dryRun: true },
			},
			items: [{ json: {}, binary: { data: file('video', 'priced', 'priced.mp4') } }],
		});
		expect(result.error?.message).toBeUndefined();
		const [priced] = sim.calls('POST', '/generate/');
		expect(priced.query).toMatchObject({ dryRun: 'true' });
		expect(priced.status).toBe(269);
		expect(sim.jobs.size).toBe(0);
		const [item] = result.items;
		const sent = (priced.body as { referenceVideos: string[] }).referenceVideos;
		expect(item.json).toMatchObject({
			dryRun: true,
			estimatedCost: expect.any(Number),
			request: { prompt: 'x', referenceVideos: sent },
			uploadedAssetIds: sent,
		});
		expect(assetOf(sent[0])?.kind).toBe('video');
	});
});

describe('one file of an item fails', () => {
	it("fails the item with that file's error, and its other files are not sent", async () => {
		sim.inject({
			method: 'POST',
			path: /^\/assets$/,
			times: 1,
			fault: { kind: 'status', status: 403, body: { reason: 'Simulated refusal' } },
		});
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: {
				model: modelById('model_openai-gpt-image-2'),
				inputs: mapped({ prompt: 'x', referenceImages: 'data\nsecond\nthird' }),
			},
			items: [
				pngItem('first', 'first.png', 'image/png', {
					second: { data: pngImage('second'), mimeType: 'image/png', fileName: 'second.png' },
					third: { data: pngImage('third'), mimeType: 'image/png', fileName: 'third.png' },
				}),
			],
			continueOnFail: true,
		});
		expect(result.items).toHaveLength(1);
		expect(result.items[0].json.error).toMatch(/Simulated refusal.*\(HTTP 403\).*\[item 0\]$/);
		// Uploads go one at a time: the first was refused, the other two never left (not even
		// after the run: before, they went on in the background once the item had failed).
		await new Promise((resolve) => setTimeout(resolve, 500));
		expect(sim.calls('POST', '/assets')).toHaveLength(1);
		expect(sim.calls('POST', '/generate/')).toHaveLength(0);
	});
});
