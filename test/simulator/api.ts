/* eslint-disable @n8n/community-nodes/require-node-api-error -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * Route handlers of the API origin (paths after /v1). Each returns a SimResponse or throws an
 * ApiError, which the server answers as `{"reason": "..."}` (the shape of the recorded 400/404
 * bodies, contracts.json). Texts that no source gives are marked `Our own (no source)`; the
 * table in README.md lists every behaviour with its source.
 */
import { type ModelRecord, priceFor } from './fixtures';
import { ApiError, json, type SimResponse } from './http';
import { jobJson, type OutputPlan } from './jobs';
import {
	PLACEHOLDER_OWNER_ID,
	requestSeed,
	type SimAsset,
	type SimState,
	type SimUpload,
} from './state';
import { isDefined, isRecord, newId } from './util';
import {
	IMG2IMG_FIELDS,
	parseDataUrl,
	PROMPT_EDITING_FIELDS,
	PROMPT_EDITING_REFERENCE_LIMITS,
	requireString,
	validateConcepts,
	validateCustomBody,
	validateFields,
} from './validation';

export interface ApiRequest {
	method: string;
	/** Path after /v1, e.g. /jobs/job_x. */
	path: string;
	query: Record<string, string>;
	/** Parsed JSON body (undefined when empty). */
	body: unknown;
	/** true when a non-empty body was not valid JSON. */
	invalidJson: boolean;
	/** Size of the raw HTTP body in bytes. */
	rawSize: number;
}

/**
 * POST /v1/assets takes images under 6 MB (DOCS uploading-assets.md: `/v1/assets` "< 6MB", use
 * `/v1/uploads` for ">= 6MB").
 * Our own (no source): the limit counted on the raw HTTP body, in bytes (6,000,000, the strictest
 * reading of "6MB"), so the node is tested against the tightest limit the docs allow (BLENDER
 * assets.py says the gateway's body cap is about 10 MB: the real limit may be looser).
 */
export const MAX_ASSET_BODY_BYTES = 6_000_000;
/**
 * The reason DOCS uploading-assets.md "Common Issues" gives for an image over 6 MB sent to
 * `/v1/assets` (and for a non-image file there).
 */
export const ASSET_TOO_LARGE_REASON = "Either 'image' or 'canvas' must be provided";
const UPLOAD_KINDS = ['3d', 'asset', 'audio', 'avatar', 'image', 'model', 'video'];
const OUTPUT_LONG_SIDE = 256;

type Handler = (state: SimState, req: ApiRequest, params: string[]) => SimResponse;

const ROUTES: { method: string; pattern: RegExp; handler: Handler }[] = [
	{ method: 'GET', pattern: /^\/models$/, handler: listModels },
	{ method: 'GET', pattern: /^\/models\/([^/]+)$/, handler: getModel },
	{ method: 'POST', pattern: /^\/generate\/custom\/([^/]+)$/, handler: generateCustom },
	{ method: 'POST', pattern: /^\/generate\/img2img$/, handler: generateImg2img },
	{ method: 'POST', pattern: /^\/generate\/prompt-editing$/, handler: generatePromptEditing },
	{ method: 'GET', pattern: /^\/jobs$/, handler: listJobs },
	{ method: 'GET', pattern: /^\/jobs\/([^/]+)$/, handler: getJob },
	{ method: 'POST', pattern: /^\/jobs\/([^/]+)\/action$/, handler: jobAction },
	{ method: 'POST', pattern: /^\/assets$/, handler: postAsset },
	{ method: 'POST', pattern: /^\/assets\/get-bulk$/, handler: getBulkAssets },
	{ method: 'GET', pattern: /^\/assets\/([^/]+)$/, handler: getAsset },
	{ method: 'POST', pattern: /^\/uploads$/, handler: postUpload },
	{ method: 'GET', pattern: /^\/uploads\/([^/]+)$/, handler: getUpload },
	{ method: 'POST', pattern: /^\/uploads\/([^/]+)\/action$/, handler: uploadAction },
];

export function handleApi(state: SimState, req: ApiRequest): SimResponse {
	for (const route of ROUTES) {
		const m = route.pattern.exec(req.path);
		if (!m || route.method !== req.method) continue;
		let params: string[];
		try {
			params = m.slice(1).map((p) => decodeURIComponent(p));
		} catch {
			// Our own (no source): this text and the route 404 below.
			throw new ApiError(400, 'Malformed path parameter');
		}
		return route.handler(state, req, params);
	}
	throw new ApiError(404, `Route ${req.method} /v1${req.path} not found`);
}

// ----- helpers -----

/** Our own (no source): both texts. */
function objectBody(req: ApiRequest): Record<string, unknown> {
	if (req.invalidJson) throw new ApiError(400, 'Request body must be valid JSON');
	if (req.body === undefined) return {};
	if (!isRecord(req.body)) throw new ApiError(400, 'Request body must be a JSON object');
	return req.body;
}

const isDryRun = (req: ApiRequest): boolean =>
	req.query.dryRun === 'true' || req.query.dryRun === '1';
const projectOf = (req: ApiRequest): string | undefined => req.query.projectId || undefined;

function requireModel(state: SimState, id: string): ModelRecord {
	const model = state.model(id);
	// Recorded: contracts.json check_unknown_model, 404 "Model model_FIXTUREMISSING… not found".
	if (!model) throw new ApiError(404, `Model ${id} not found`);
	return model;
}

/**
 * PNG size for outputs: the request's aspect (width/height, else "W:H" aspectRatio, else the
 * first input image), long side 256 px. requested* are what the request asked for.
 */
function outputSize(
	body: Record<string, unknown>,
	inputImage: SimAsset | undefined,
	defaults?: { width: number; height: number },
): Pick<OutputPlan, 'width' | 'height' | 'requestedWidth' | 'requestedHeight'> {
	const reqW = typeof body.width === 'number' ? body.width : defaults?.width;
	const reqH = typeof body.height === 'number' ? body.height : defaults?.height;
	let ratio = 1;
	const ar = typeof body.aspectRatio === 'string' ? /^(\d+):(\d+)$/.exec(body.aspectRatio) : null;
	if (reqW && reqH) ratio = reqW / reqH;
	else if (ar) ratio = Number(ar[1]) / Number(ar[2]);
	else if (inputImage?.width && inputImage.height) ratio = inputImage.width / inputImage.height;
	const width = ratio >= 1 ? OUTPUT_LONG_SIDE : Math.max(16, Math.round(OUTPUT_LONG_SIDE * ratio));
	const height = ratio >= 1 ? Math.max(16, Math.round(OUTPUT_LONG_SIDE / ratio)) : OUTPUT_LONG_SIDE;
	return { width, height, requestedWidth: reqW, requestedHeight: reqH };
}

/** Copies the listed keys that the body defines. */
function pickDefined(body: Record<string, unknown>, keys: string[]): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const k of keys) if (isDefined(body[k])) out[k] = body[k];
	return out;
}

/**
 * An image given as an asset id or a data URL (legacy endpoints). Data URLs become assets unless dryRun.
 * Our own (no source): the texts here, in the `Input <name> …` pattern of the recorded ones.
 */
function resolveImage(
	state: SimState,
	field: string,
	value: unknown,
	projectId: string | undefined,
	create: boolean,
): SimAsset | undefined {
	if (typeof value !== 'string') throw new ApiError(400, `Input ${field} must be a string`);
	if (value.startsWith('data:')) {
		const parsed = parseDataUrl(value);
		if (!parsed) throw new ApiError(400, `Input ${field} must be an asset id or a data URL`);
		if (!create) {
			state.assertImage(parsed.bytes, field);
			return undefined;
		}
		return state.addImageAsset(
			parsed.bytes,
			{ source: 'uploaded', metadata: { type: 'uploaded', kind: 'image' }, projectId },
			field,
		);
	}
	const asset = state.asset(value);
	if (!asset) throw new ApiError(400, `Input ${field}: asset ${value} not found`);
	if (asset.kind !== 'image')
		throw new ApiError(400, `Input ${field}: asset ${value} is not a image asset`);
	return asset;
}

function dryRunReply(price: {
	creativeUnitsCost: number;
	creativeUnitsDiscount: number;
}): SimResponse {
	// DryRunResponse: HTTP 269 with the estimate.
	return json(269, {
		creativeUnitsCost: price.creativeUnitsCost,
		creativeUnitsDiscount: price.creativeUnitsDiscount,
	});
}

// ----- models -----

/**
 * SPEC GET /models: privacy (default private), pageSize 1..500 (default 100), paginationToken,
 * status. Recorded: the token encoding and page 1 of privacy=public&pageSize=5.
 * Our own (no source): the error texts.
 */
function listModels(state: SimState, req: ApiRequest): SimResponse {
	const privacy = req.query.privacy ?? 'private';
	if (privacy !== 'public' && privacy !== 'private') {
		throw new ApiError(400, 'Input privacy must be one of: private, public');
	}
	let offset = 0;
	let limit = 100; // OpenAPI: default 100, min 1, max 500
	if (req.query.paginationToken) {
		try {
			const t: unknown = JSON.parse(
				Buffer.from(req.query.paginationToken, 'base64').toString('utf8'),
			);
			if (!isRecord(t) || !Number.isInteger(t.offset) || !Number.isInteger(t.limit))
				throw new Error('shape');
			offset = t.offset as number;
			limit = t.limit as number;
		} catch {
			throw new ApiError(400, 'Input paginationToken is invalid');
		}
	}
	if (req.query.pageSize !== undefined) {
		limit = Number(req.query.pageSize);
		if (!Number.isInteger(limit)) throw new ApiError(400, 'Input pageSize must be a number');
		if (limit < 1) throw new ApiError(400, 'Input pageSize must be at least 1');
		if (limit > 500) throw new ApiError(400, 'Input pageSize must be at most 500');
	}
	const { catalogue } = state;
	let ids = privacy === 'public' ? catalogue.publicOrder : catalogue.privateOrder;
	if (req.query.status)
		ids = ids.filter((id) => catalogue.models.get(id)?.record.status === req.query.status);
	const rows = ids.slice(offset, offset + limit).map((id) => catalogue.models.get(id)?.listRow);
	const out: Record<string, unknown> = { models: rows };
	if (offset + limit < ids.length) {
		// Same encoding as the recorded token eyJvZmZzZXQiOjUsImxpbWl0Ijo1fQ== ({"offset":5,"limit":5}).
		out.nextPaginationToken = Buffer.from(
			JSON.stringify({ offset: offset + limit, limit }),
		).toString('base64');
	}
	return json(200, out);
}

function getModel(state: SimState, _req: ApiRequest, [id]: string[]): SimResponse {
	return json(200, { model: requireModel(state, id) });
}

// ----- generation -----

/** numOutputs (or its default); models with a `maps` input also return one asset per map. */
function customOutputCount(
	model: ModelRecord,
	body: Record<string, unknown>,
): { numOutputs: number; assets: number } {
	const numInput = model.inputs?.find((i) => i.name === 'numOutputs');
	const raw = typeof body.numOutputs === 'number' ? body.numOutputs : numInput?.default;
	const numOutputs = typeof raw === 'number' ? Math.max(1, Math.floor(raw)) : 1;
	// Recorded job.json (model_patina-material, numOutputs 1, 5 maps) lists 6 assetIds.
	const mapsInput = model.inputs?.find((i) => i.name === 'maps' && i.type === 'string_array');
	if (!mapsInput) return { numOutputs, assets: numOutputs };
	const maps = Array.isArray(body.maps)
		? body.maps
		: Array.isArray(mapsInput.default)
			? mapsInput.default
			: [];
	return { numOutputs, assets: numOutputs * (1 + maps.length) };
}

function imageAssetIdsOf(model: ModelRecord, body: Record<string, unknown>): string[] {
	const ids: string[] = [];
	for (const input of model.inputs ?? []) {
		if (input.kind !== 'image') continue;
		const v = body[input.name];
		if (input.type === 'file' && typeof v === 'string') ids.push(v);
		if (input.type === 'file_array' && Array.isArray(v))
			ids.push(...v.filter((x): x is string => typeof x === 'string'));
	}
	return ids;
}

/**
 * PATINA's map names → the `metadata.type` of that map's output. Paired by name, inferred: the
 * recorded job shows the set of 5 maps asked for and the set of 6 types answered, not which
 * asset came from which map (roughness → smoothness is the one pairing not read off the name).
 */
const TEXTURE_TYPES: Record<string, string> = {
	basecolor: 'texture-albedo',
	normal: 'texture-normal',
	roughness: 'texture-smoothness',
	metalness: 'texture-metallic',
	height: 'texture-height',
};

const CAPABILITY_KINDS: Record<string, string> = {
	txt: 'txt',
	img: 'image',
	video: 'video',
	audio: 'audio',
	'3d': '3d',
};

/**
 * What a custom model's outputs are. Their kind is the output side of the capability the request
 * uses (`img2video` → video, `img23d` → 3d: the model records name no output kind, so this reads
 * the capability names), chosen by the file kinds the body gives. Only a model with a `maps`
 * input (PATINA) gets a `metadata.type` per output: the texture then one map each, typed as in
 * the recorded job (`inference-txt2img-texture`, `texture-albedo` …; BLENDER "Patina: 6 assets
 * by metadata.type"), answered in no fixed order. Other outputs carry no `metadata.type`: no
 * recording shows what Scenario puts there for them.
 */
function customOutputs(
	model: ModelRecord,
	body: Record<string, unknown>,
	numOutputs: number,
): Pick<OutputPlan, 'kind' | 'source' | 'types' | 'shuffle'> {
	const given = new Set<string>();
	for (const input of model.inputs ?? [])
		if ((input.type === 'file' || input.type === 'file_array') && isDefined(body[input.name]))
			given.add(input.kind ?? 'image');
	const parsed = model.capabilities.flatMap((capability) => {
		const m = /^(txt|img|video|audio|3d)2(txt|img|video|audio|3d)$/.exec(capability);
		return m ? [{ capability, from: CAPABILITY_KINDS[m[1]], to: CAPABILITY_KINDS[m[2]] }] : [];
	});
	const order = ['video', '3d', 'image', 'audio', 'txt'];
	const chosen =
		order
			.map((kind) => parsed.find((c) => c.from === kind && (kind === 'txt' || given.has(kind))))
			.find(Boolean) ?? parsed[0];
	const kind = !chosen || chosen.to === 'txt' ? 'image' : chosen.to;
	const imageType = given.has('image') ? 'img2img' : 'txt2img';
	const mapsInput = model.inputs?.find((i) => i.name === 'maps' && i.type === 'string_array');
	if (!mapsInput) return { kind, source: imageType };
	const maps = (
		Array.isArray(body.maps) ? body.maps : ((mapsInput.default as unknown[]) ?? [])
	).map(String);
	// The recorded job is a txt2img one; the texture of a job from an image is given the SPEC's
	// enum value `inference-img2img-texture`, by analogy (not recorded).
	const group = [
		`inference-${imageType}-texture`,
		...maps.map((map) => TEXTURE_TYPES[map] ?? `texture-${map}`),
	];
	return {
		kind,
		source: imageType,
		types: Array.from({ length: numOutputs }, () => group).flat(),
		shuffle: true,
	};
}

const ASSET_METADATA_KEYS = [
	'aspectRatio',
	'negativePrompt',
	'guidance',
	'numInferenceSteps',
	'referenceImages',
	'mask',
	'image',
	'strength',
];

function generateCustom(state: SimState, req: ApiRequest, [modelId]: string[]): SimResponse {
	const model = requireModel(state, modelId);
	// Recorded reply for LoRA / composition ids (contracts.json "direct" route).
	if (!model.custom) throw new ApiError(400, 'Custom models only are supported for this endpoint');
	const body = objectBody(req);
	validateCustomBody(model, body, state);
	const { numOutputs, assets } = customOutputCount(model, body);
	const withLoras = Array.isArray(body.loras) && body.loras.length > 0;
	// Our own (no source): the price scales with numOutputs (see priceFor).
	const price = priceFor(state.catalogue, model.id, numOutputs, withLoras);
	if (isDryRun(req)) return json(269, price); // recorded dryRun replies carry costDetails
	const imageIds = imageAssetIdsOf(model, body);
	const job = state.createJob({
		jobType: 'custom',
		modelId: model.id,
		input: { modelId: model.id, ...body },
		projectId: projectOf(req),
		price,
		plan: {
			count: assets,
			seed: requestSeed(body.seed),
			...outputSize(body, imageIds.length ? state.asset(imageIds[0]) : undefined),
			prompt: typeof body.prompt === 'string' ? body.prompt : undefined,
			...customOutputs(model, body, numOutputs),
			inputDigest: state.digestOf(imageIds),
			extraMetadata: pickDefined(body, ASSET_METADATA_KEYS),
		},
	});
	return json(200, {
		creativeUnitsCost: price.creativeUnitsCost,
		creativeUnitsDiscount: price.creativeUnitsDiscount,
		job: jobJson(job),
	});
}

/** Properties of PostImg2imgInferencesResponse.inference echoed from the request. */
const INFERENCE_ECHO_KEYS = [
	'strength',
	'modelEpoch',
	'hideResults',
	'negativePrompt',
	'scheduler',
	'intermediateImages',
	'concepts',
	'guidance',
	'numInferenceSteps',
	'numSamples',
	'width',
	'height',
	'negativePromptStrength',
	'baseModelId',
];

function generateImg2img(state: SimState, req: ApiRequest): SimResponse {
	const body = objectBody(req);
	validateFields(IMG2IMG_FIELDS, body);
	const modelId = requireString(body, 'modelId');
	const prompt = requireString(body, 'prompt');
	const model = requireModel(state, modelId);
	// Our own (no source): both refusals' texts.
	if (model.custom) {
		throw new ApiError(
			400,
			'Custom models are not supported for this endpoint, use POST /generate/custom/{modelId}',
		);
	}
	if (!model.capabilities.includes('img2img'))
		throw new ApiError(400, `Model ${modelId} does not support img2img`);
	validateConcepts(body, state);
	const imageField = isDefined(body.image) ? 'image' : 'imageId';
	if (!isDefined(body[imageField])) throw new ApiError(400, 'Input image is required');
	const dryRun = isDryRun(req);
	const image = resolveImage(state, imageField, body[imageField], projectOf(req), !dryRun);
	const numSamples = typeof body.numSamples === 'number' ? Math.floor(body.numSamples) : 4; // OpenAPI default 4
	// Our own (no source): the price scales with numSamples (see priceFor).
	const price = priceFor(state.catalogue, `img2img:${modelId}`, numSamples, false);
	if (dryRun || !image) return dryRunReply(price);
	const job = state.createJob({
		jobType: 'inference',
		modelId,
		input: { modelId, ...body, [imageField]: image.id },
		projectId: projectOf(req),
		price,
		plan: {
			count: numSamples,
			seed: requestSeed(body.seed),
			...outputSize(body, image, { width: 512, height: 512 }), // OpenAPI default 512x512
			prompt,
			source: 'inference-img',
			inputDigest: state.digestOf([image.id]),
			extraMetadata: { ...pickDefined(body, ASSET_METADATA_KEYS), image: image.id },
		},
	});
	const inference: Record<string, unknown> = {
		image: state.signedAssetUrl(image),
		imageId: image.id,
		prompt,
		type: 'img2img',
		seed: String(job.plan.seed),
		...pickDefined(body, INFERENCE_ECHO_KEYS),
		numSamples,
	};
	return json(200, {
		creativeUnitsCost: price.creativeUnitsCost,
		creativeUnitsDiscount: price.creativeUnitsDiscount,
		inference,
		job: jobJson(job),
	});
}

function generatePromptEditing(state: SimState, req: ApiRequest): SimResponse {
	const body = objectBody(req);
	validateFields(PROMPT_EDITING_FIELDS, body);
	const prompt = requireString(body, 'prompt');
	requireString(body, 'image');
	const editModel = typeof body.modelId === 'string' ? body.modelId : 'gemini-2.5-flash'; // OpenAPI default
	const refs = Array.isArray(body.referenceImages) ? body.referenceImages : [];
	const hasConcepts = Array.isArray(body.concepts) && body.concepts.length > 0;
	const limit =
		editModel === 'flux-kontext' && hasConcepts ? 0 : PROMPT_EDITING_REFERENCE_LIMITS[editModel];
	if (limit !== undefined && refs.length > limit) {
		throw new ApiError(400, `Input referenceImages must be at most ${limit} items long`);
	}
	validateConcepts(body, state);
	const dryRun = isDryRun(req);
	const projectId = projectOf(req);
	const image = resolveImage(state, 'image', body.image, projectId, !dryRun);
	const refAssets = refs.map((r) => resolveImage(state, 'referenceImages', r, projectId, !dryRun));
	// OpenAPI: mask is only used by gpt-image-1 and ignored for other models.
	const mask =
		editModel === 'gpt-image-1' && isDefined(body.mask)
			? resolveImage(state, 'mask', body.mask, projectId, !dryRun)
			: undefined;
	const numSamples = typeof body.numSamples === 'number' ? Math.floor(body.numSamples) : 1;
	// Our own (no source): the price scales with numSamples (see priceFor).
	const price = priceFor(state.catalogue, `prompt-editing:${editModel}`, numSamples, false);
	if (dryRun || !image) return dryRunReply(price);
	const refIds = refAssets.flatMap((a) => (a ? [a.id] : []));
	const input: Record<string, unknown> = { ...body, modelId: editModel, image: image.id };
	if (refs.length) input.referenceImages = refIds;
	if (mask) input.mask = mask.id;
	const job = state.createJob({
		jobType: 'image-prompt-editing',
		modelId: editModel,
		input,
		projectId,
		price,
		plan: {
			count: numSamples,
			seed: requestSeed(body.seed),
			...outputSize(body.aspectRatio === 'auto' ? {} : body, image),
			prompt,
			source: 'image-prompt-editing',
			inputDigest: state.digestOf([image.id, ...refIds]),
			extraMetadata: pickDefined(input, ['image', 'referenceImages', 'mask', 'aspectRatio']),
		},
	});
	return json(200, {
		creativeUnitsCost: price.creativeUnitsCost,
		creativeUnitsDiscount: price.creativeUnitsDiscount,
		job: jobJson(job),
	});
}

// ----- jobs -----

function requireJob(state: SimState, id: string) {
	const job = state.jobs.get(id);
	// Our own (no source): the text, by analogy with the recorded "Model X not found".
	if (!job) throw new ApiError(404, `Job ${id} not found`);
	return job;
}

function getJob(state: SimState, _req: ApiRequest, [id]: string[]): SimResponse {
	const job = requireJob(state, id);
	const now = Date.now();
	state.advance(job, now);
	if (job.doneAt !== undefined && job.firstSeenTerminalAt === undefined)
		job.firstSeenTerminalAt = now;
	return json(200, { job: jobJson(job) });
}

/** Same encoding as the models list's recorded token (base64 of {"offset":N,"limit":M}). */
function pageToken(offset: number, limit: number): string {
	return Buffer.from(JSON.stringify({ offset, limit })).toString('base64');
}

function readPageToken(token: string): { offset: number; limit: number } {
	try {
		const t: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
		if (!isRecord(t) || !Number.isInteger(t.offset) || !Number.isInteger(t.limit))
			throw new Error('shape');
		return { offset: t.offset as number, limit: t.limit as number };
	} catch {
		throw new ApiError(400, 'Input paginationToken is invalid');
	}
}

/**
 * SPEC GET /jobs (GetJobs): filters `authorId`, `type`, `types` ("If types is defined, type will
 * be ignored"), `status`, `hideResults`; `pageSize` "default value is 10, maximum value is 200,
 * minimum value is 1"; `paginationToken` → `nextPaginationToken`; each row a job
 * (GetJobsResponse: the same fields as GET /jobs/{id}).
 * Our own (no source): the order, newest first (the spec says none); the project's jobs only
 * (its `ownerId`, the projectId asked or the placeholder); `types` read as a comma-separated
 * list; `hideResults` ignored; rows as whole as GET /jobs/{id}'s (billing included, which no
 * source shows for a list row); the token's encoding (the models list's); the error texts;
 * jobs hidden by `hideNextJobsFromList` (fault injection: jobs a real list might not show).
 */
function listJobs(state: SimState, req: ApiRequest): SimResponse {
	const page0 = req.query.paginationToken
		? readPageToken(req.query.paginationToken)
		: { offset: 0, limit: 10 };
	const { offset } = page0;
	let { limit } = page0;
	if (req.query.pageSize !== undefined) {
		limit = Number(req.query.pageSize);
		if (!Number.isInteger(limit)) throw new ApiError(400, 'Input pageSize must be a number');
		if (limit < 1) throw new ApiError(400, 'Input pageSize must be at least 1');
		if (limit > 200) throw new ApiError(400, 'Input pageSize must be at most 200');
	}
	const owner = projectOf(req) ?? PLACEHOLDER_OWNER_ID;
	const types = req.query.types
		? req.query.types.split(',').map((t) => t.trim())
		: req.query.type
			? [req.query.type]
			: undefined;
	const now = Date.now();
	const jobs = [...state.jobs.values()]
		.filter((job) => job.ownerId === owner && !state.hiddenFromList.has(job.jobId))
		.filter((job) => !types || types.includes(job.jobType))
		.filter((job) => !req.query.authorId || job.authorId === req.query.authorId)
		.sort((a, b) => b.createdAt - a.createdAt);
	for (const job of jobs) state.advance(job, now);
	const matching = req.query.status ? jobs.filter((j) => j.status === req.query.status) : jobs;
	const page = matching.slice(offset, offset + limit);
	for (const job of page)
		if (job.doneAt !== undefined && job.firstSeenTerminalAt === undefined)
			job.firstSeenTerminalAt = now;
	const out: Record<string, unknown> = { jobs: page.map(jobJson) };
	if (offset + limit < matching.length) out.nextPaginationToken = pageToken(offset + limit, limit);
	return json(200, out);
}

function jobAction(state: SimState, req: ApiRequest, [id]: string[]): SimResponse {
	const job = requireJob(state, id);
	const body = objectBody(req);
	// SPEC PostJobActionByJobIdRequest: {action: "cancel"} ("Today only cancel on inference jobs is
	// supported"). Our own (no source): the refusal's text; that every job type cancels; that
	// cancelling a job that already ended leaves it unchanged (answered as is).
	if (body.action !== 'cancel') throw new ApiError(400, 'Input action must be one of: cancel');
	state.cancel(job, Date.now());
	return json(200, { job: jobJson(job) });
}

// ----- assets -----

/** Our own (no source): the texts. */
function decodeImageString(value: string): Buffer {
	if (value.startsWith('data:')) {
		const parsed = parseDataUrl(value);
		if (!parsed) throw new ApiError(400, 'Input image must be a base64 string or a data URL');
		return parsed.bytes;
	}
	const compact = value.replace(/\s+/g, '');
	if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact))
		throw new ApiError(400, 'Input image must be a base64 string or a data URL');
	return Buffer.from(compact, 'base64');
}

function postAsset(state: SimState, req: ApiRequest): SimResponse {
	if (req.rawSize >= MAX_ASSET_BODY_BYTES) {
		// The text: DOCS (ASSET_TOO_LARGE_REASON). Our own (no source): the status, 400 (the docs
		// give none; their error table puts missing parameters under 400).
		throw new ApiError(400, ASSET_TOO_LARGE_REASON);
	}
	const body = objectBody(req);
	const image = requireString(body, 'image');
	const name = requireString(body, 'name');
	const asset = state.addImageAsset(decodeImageString(image), {
		source: 'uploaded',
		metadata: { type: 'uploaded', kind: 'image', name },
		projectId: projectOf(req),
	});
	return json(200, { asset: state.assetJson(asset) });
}

function getAsset(state: SimState, _req: ApiRequest, [id]: string[]): SimResponse {
	const asset = state.asset(id);
	// Our own (no source): the text, by analogy with the recorded "Model X not found".
	if (!asset) throw new ApiError(404, `Asset ${id} not found`);
	return json(200, { asset: state.assetJson(asset) });
}

/**
 * SPEC POST /assets/get-bulk {assetIds} → GetAssetBulkResponse `{assets}`; "Limit of 200 assets"
 * (DOCS api-assets-get-bulk.md). Our own (no source): ids that do not exist are left out of the
 * answer (not an error); the answer follows the order asked, each id once; the error texts.
 */
function getBulkAssets(state: SimState, req: ApiRequest): SimResponse {
	const body = objectBody(req);
	const ids = body.assetIds;
	if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string'))
		throw new ApiError(400, 'Input assetIds must be an array of strings');
	if (ids.length > 200) throw new ApiError(400, 'Input assetIds must be at most 200 items long');
	const assets = [...new Set(ids as string[])]
		.map((id) => state.asset(id))
		.filter((asset): asset is SimAsset => asset !== undefined)
		.map((asset) => state.assetJson(asset));
	return json(200, { assets });
}

// ----- uploads -----

/**
 * SPEC PostUploadsRequest: fileName, fileSize, kind (enum), parts (1..10000), contentType required.
 * Our own (no source): the error texts; refusing url / civitai / huggingface imports (not
 * simulated); part URLs valid one hour.
 */
function postUpload(state: SimState, req: ApiRequest): SimResponse {
	const body = objectBody(req);
	if (
		isDefined(body.url) ||
		isDefined(body.civitaiModelUrl) ||
		isDefined(body.huggingFaceModelName)
	) {
		throw new ApiError(400, 'Only multipart uploads are supported by the simulator');
	}
	const fileName = requireString(body, 'fileName');
	const contentType = requireString(body, 'contentType');
	const kind = requireString(body, 'kind');
	if (!UPLOAD_KINDS.includes(kind))
		throw new ApiError(400, `Input kind must be one of: ${UPLOAD_KINDS.join(', ')}`);
	const fileSize = body.fileSize;
	if (!isDefined(fileSize)) throw new ApiError(400, 'Input fileSize is required');
	if (typeof fileSize !== 'number' || !Number.isInteger(fileSize))
		throw new ApiError(400, 'Input fileSize must be a number');
	if (fileSize < 1) throw new ApiError(400, 'Input fileSize must be at least 1');
	const parts = body.parts;
	if (!isDefined(parts)) throw new ApiError(400, 'Input parts is required');
	if (typeof parts !== 'number' || !Number.isInteger(parts))
		throw new ApiError(400, 'Input parts must be a number');
	if (parts < 1) throw new ApiError(400, 'Input parts must be at least 1');
	if (parts > 10000) throw new ApiError(400, 'Input parts must be at most 10000');
	const now = Date.now();
	const projectId = projectOf(req);
	const upload: SimUpload = {
		id: newId('upload'),
		fileName,
		fileSize,
		kind,
		contentType,
		partsCount: parts,
		parts: new Map<number, Buffer>(),
		status: 'pending',
		createdAt: now,
		updatedAt: now,
		pollsSinceComplete: 0,
		projectId,
		ownerId: projectId ?? PLACEHOLDER_OWNER_ID,
		assetOptions: isRecord(body.assetOptions) ? body.assetOptions : undefined,
		partsExpireAt: now + 3600_000,
	};
	state.uploads.set(upload.id, upload);
	return json(200, { upload: state.uploadJson(upload) });
}

function requireUpload(state: SimState, id: string) {
	const upload = state.uploads.get(id);
	// Our own (no source): the text, by analogy with the recorded "Model X not found".
	if (!upload) throw new ApiError(404, `Upload ${id} not found`);
	return upload;
}

function getUpload(state: SimState, _req: ApiRequest, [id]: string[]): SimResponse {
	const upload = requireUpload(state, id);
	upload.pollsSinceComplete++;
	state.advanceUpload(upload, Date.now());
	return json(200, { upload: state.uploadJson(upload) });
}

/** Our own (no source): both refusals' texts (unknown action, missing parts). */
function uploadAction(state: SimState, req: ApiRequest, [id]: string[]): SimResponse {
	const upload = requireUpload(state, id);
	const body = objectBody(req);
	if (body.action !== 'complete') throw new ApiError(400, 'Input action must be one of: complete');
	if (upload.status === 'pending') {
		const missing: number[] = [];
		for (let n = 1; n <= upload.partsCount; n++) if (!upload.parts.has(n)) missing.push(n);
		if (missing.length)
			throw new ApiError(400, `Upload ${upload.id} is missing parts: ${missing.join(', ')}`);
		upload.status = 'validating';
		upload.completedAt = Date.now();
		upload.updatedAt = upload.completedAt;
	}
	return json(200, { upload: state.uploadJson(upload) });
}
