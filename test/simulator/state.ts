/* eslint-disable @n8n/community-nodes/no-hardcoded-secrets, @n8n/community-nodes/no-restricted-globals -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * Everything the simulated account holds: models (from fixtures), assets, jobs and uploads,
 * plus URL signing for the CDN and upload origins.
 */
import { createHash } from 'node:crypto';
import { type Catalogue, loadCatalogue, type ModelRecord } from './fixtures';
import { ApiError } from './http';
import {
	advanceJob,
	finishJob,
	isTerminal,
	type JobOutcome,
	type JobPhases,
	phaseStarts,
	type OutputPlan,
	type SimJob,
} from './jobs';
import { mediaFile } from './media';
import { padPng, renderPicture, sniffImage } from './png';
import type { LookupContext } from './validation';
import { hash31, hmacHex, iso, newId, safeEqual } from './util';

/** Account placeholders used by the recorder in every recorded body. */
export const PLACEHOLDER_OWNER_ID = 'proj_FIXTURE00000000000000000';
export const PLACEHOLDER_AUTHOR_ID = 'apiu_FIXTURE0000000000000000';
/** Asset id used by the recorded Kontext dryRuns (contracts.json); seeded so those bodies validate. */
export const SEEDED_REFERENCE_ASSET_ID = 'asset_FIXTUREREFERENCE00000000';

/** Signed CDN URLs last at least 24 hours (Scenario's CDN docs); the simulator gives exactly that. */
const SIGNED_URL_TTL_S = 24 * 3600;
/** SPEC's asset `editCapabilities` enum; Our own (no source): every image asset has them all. */
const IMAGE_EDIT_CAPABILITIES = [
	'DETECTION',
	'GENERATIVE_FILL',
	'PIXELATE',
	'PROMPT_EDITING',
	'REFINE',
	'REFRAME',
	'REMOVE_BACKGROUND',
	'SEGMENTATION',
	'UPSCALE',
	'VECTORIZATION',
];

export interface SimAsset {
	id: string;
	kind: string;
	mimeType: string;
	extension: string;
	bytes: Buffer;
	size: number;
	width?: number;
	height?: number;
	/** Asset `source` (OpenAPI enum), e.g. 'uploaded', 'txt2img', 'img2img'. */
	source: string;
	/** Asset `metadata` as answered (type, kind, seed, modelId, ...). */
	metadata: Record<string, unknown>;
	outputIndex?: number;
	jobId?: string;
	projectId?: string;
	ownerId: string;
	authorId: string;
	createdAt: number;
	updatedAt: number;
	/** Seeded at start; kept by reset(). */
	seeded: boolean;
}

export type UploadStatus = 'pending' | 'validating' | 'validated' | 'imported' | 'failed';

export interface SimUpload {
	id: string;
	fileName: string;
	fileSize: number;
	kind: string;
	contentType: string;
	partsCount: number;
	parts: Map<number, Buffer>;
	status: UploadStatus;
	createdAt: number;
	updatedAt: number;
	completedAt?: number;
	pollsSinceComplete: number;
	entityId?: string;
	errorMessage?: string;
	projectId?: string;
	ownerId: string;
	assetOptions?: Record<string, unknown>;
	partsExpireAt: number;
}

/**
 * After complete, an upload stays `validating` for the first half of this time, `validated` for
 * the second, then is imported (the statuses the uploading-assets page lists, in its order). Real
 * validation takes seconds; tests set it (setUploadValidation) when they want it longer.
 * Our own (no source): the time and its halves.
 */
export const UPLOAD_VALIDATION_MS = 400;

export interface NewJob {
	jobType: string;
	modelId: string;
	input: Record<string, unknown>;
	projectId?: string;
	price: {
		creativeUnitsCost: number;
		creativeUnitsDiscount: number;
		costDetails: Record<string, number>;
	};
	/** Without a seed, one is derived from the job id. */
	plan: Omit<OutputPlan, 'seed'> & { seed?: number };
}

/** The request's seed when it is a non-negative integer (or a string of digits). */
export function requestSeed(value: unknown): number | undefined {
	if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
	if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value) % 2147483648;
	return undefined;
}

export class SimState implements LookupContext {
	readonly catalogue: Catalogue = loadCatalogue();
	readonly jobs = new Map<string, SimJob>();
	readonly assets = new Map<string, SimAsset>();
	readonly uploads = new Map<string, SimUpload>();
	cdnOrigin = '';
	uploadOrigin = '';
	jobDurationMs: number;
	/** Which statuses jobs created from now on pass through (see JobPhases). */
	jobPhases: JobPhases;
	/** Generated PNGs are padded to at least this many bytes (0: their natural size, a few KB). */
	outputMinBytes: number;
	private plannedOutcomes: { outcome: JobOutcome; error?: string; empty?: boolean }[] = [];
	/** Gzip CDN answers (as a CDN does for a client that accepts it). */
	cdnGzip = false;
	/**
	 * Our own fault injection (setCancelIgnored): jobs that go on when asked to cancel. The spec
	 * says only inference jobs cancel; whether a custom job stops is unknown.
	 */
	cancelIgnored = false;
	/** How long a completed upload takes to be imported (see UPLOAD_VALIDATION_MS). */
	uploadValidationMs = UPLOAD_VALIDATION_MS;
	private timers = new Set<NodeJS.Timeout>();

	constructor(
		private readonly signingSecret: string,
		private readonly defaultJobDurationMs: number,
		private readonly defaultOutputMinBytes = 0,
		private readonly defaultJobPhases: JobPhases = 'all',
	) {
		this.jobDurationMs = defaultJobDurationMs;
		this.jobPhases = defaultJobPhases;
		this.outputMinBytes = defaultOutputMinBytes;
		this.seedAssets();
	}

	// ----- lookups (LookupContext) -----

	asset(id: string): SimAsset | undefined {
		return this.assets.get(id);
	}

	model(id: string): ModelRecord | undefined {
		return this.catalogue.models.get(id)?.record;
	}

	// ----- assets -----

	private seedAssets(): void {
		const png = renderPicture('fixture reference image', 256, 256);
		this.addImageAsset(png, {
			id: SEEDED_REFERENCE_ASSET_ID,
			source: 'uploaded',
			metadata: { type: 'uploaded', kind: 'image', name: 'fixture-reference.png' },
			seeded: true,
		});
	}

	/** Stores bytes as an asset; image kinds get mime type and size from the bytes. */
	addAsset(
		bytes: Buffer,
		opts: {
			id?: string;
			kind?: string;
			mimeType?: string;
			extension?: string;
			source: string;
			metadata: Record<string, unknown>;
			projectId?: string;
			outputIndex?: number;
			jobId?: string;
			seeded?: boolean;
		},
	): SimAsset {
		const info = sniffImage(bytes);
		const now = Date.now();
		const asset: SimAsset = {
			id: opts.id ?? newId('asset'),
			kind: opts.kind ?? 'image',
			mimeType: info?.mimeType ?? opts.mimeType ?? 'application/octet-stream',
			extension: info?.extension ?? opts.extension ?? 'bin',
			bytes,
			size: bytes.length,
			width: info?.width,
			height: info?.height,
			source: opts.source,
			metadata: opts.metadata,
			outputIndex: opts.outputIndex,
			jobId: opts.jobId,
			projectId: opts.projectId,
			ownerId: opts.projectId ?? PLACEHOLDER_OWNER_ID,
			authorId: PLACEHOLDER_AUTHOR_ID,
			createdAt: now,
			updatedAt: now,
			seeded: opts.seeded ?? false,
		};
		this.assets.set(asset.id, asset);
		return asset;
	}

	/**
	 * 400 naming `field` unless the bytes are an image format Scenario's docs list (DOCS
	 * uploading-assets.md "Supported Image Formats"). The text is EVIDENCE.md "Files in"'s
	 * "Input image must be a valid image" (POST /assets). Our own (no source): the same text
	 * naming other fields (a legacy endpoint's `mask`, `referenceImages`).
	 */
	assertImage(bytes: Buffer, field: string): void {
		if (!sniffImage(bytes)) throw new ApiError(400, `Input ${field} must be a valid image`);
	}

	/** Like addAsset but refuses bytes that are not an image format Scenario's docs list. */
	addImageAsset(
		bytes: Buffer,
		opts: Parameters<SimState['addAsset']>[1],
		field = 'image',
	): SimAsset {
		this.assertImage(bytes, field);
		return this.addAsset(bytes, { ...opts, kind: 'image' });
	}

	private sign(path: string, expires: number): string {
		return hmacHex(this.signingSecret, `${path}\n${expires}`);
	}

	assetPath(asset: SimAsset): string {
		return `/assets/${asset.id}.${asset.extension}`;
	}

	/**
	 * Signed CDN URL, fresh on every API answer (like the real signed URLs).
	 * Our own (no source): the query names `expires` and `sig` (Scenario's are `Policy`,
	 * `Signature`, `Key-Pair-Id`: DOCS content-delivery-network-cdn.md "Signed URLs").
	 */
	signedAssetUrl(asset: SimAsset): string {
		const path = this.assetPath(asset);
		const expires = Math.floor(Date.now() / 1000) + SIGNED_URL_TTL_S;
		return `${this.cdnOrigin}${path}?expires=${expires}&sig=${this.sign(path, expires)}`;
	}

	/** true when `sig` signs `path` and `expires` is in the future. */
	verifySignature(path: string, query: Record<string, string>): boolean {
		const expires = Number(query.expires);
		if (!query.sig || !Number.isInteger(expires)) return false;
		if (expires * 1000 < Date.now()) return false;
		return safeEqual(query.sig, this.sign(path, expires));
	}

	assetJson(asset: SimAsset): Record<string, unknown> {
		const properties: Record<string, unknown> = { size: asset.size };
		if (asset.width !== undefined) properties.width = asset.width;
		if (asset.height !== undefined) properties.height = asset.height;
		const out: Record<string, unknown> = {
			id: asset.id,
			url: this.signedAssetUrl(asset),
			mimeType: asset.mimeType,
			kind: asset.kind,
			metadata: asset.metadata,
			properties,
			status: 'success',
			privacy: 'private',
			source: asset.source,
			ownerId: asset.ownerId,
			authorId: asset.authorId,
			createdAt: iso(asset.createdAt),
			updatedAt: iso(asset.updatedAt),
			tags: [],
			collectionIds: [],
			editCapabilities: asset.kind === 'image' ? IMAGE_EDIT_CAPABILITIES : [],
		};
		if (asset.outputIndex !== undefined) out.outputIndex = asset.outputIndex;
		return out;
	}

	// ----- jobs -----

	/** Jobs `GET /jobs` does not show (fault injection), and how many of the next jobs join them. */
	readonly hiddenFromList = new Set<string>();

	private hideNext = 0;

	hideNextFromList(count: number): void {
		this.hideNext += count;
	}

	failNext(count: number, error?: string): void {
		for (let i = 0; i < count; i++) this.plannedOutcomes.push({ outcome: 'failure', error });
	}

	cancelNext(count: number): void {
		for (let i = 0; i < count; i++) this.plannedOutcomes.push({ outcome: 'canceled' });
	}

	/** The next `count` jobs succeed with no output asset (a fault case: nothing to show). */
	emptyNext(count: number): void {
		for (let i = 0; i < count; i++) this.plannedOutcomes.push({ outcome: 'success', empty: true });
	}

	/**
	 * A new job, live from its creation (jobs.ts). Its billing: REC jobs/job.json (cuCost the
	 * generation part, the fees in cuCostDetails).
	 */
	createJob(spec: NewJob): SimJob {
		const now = Date.now();
		const planned = this.plannedOutcomes.shift();
		const { creativeUnitsCost, creativeUnitsDiscount, costDetails } = spec.price;
		// Like the recorded job.json: billing.cuCost is the generation part, cuCostDetails the fees.
		const fees = Object.fromEntries(
			Object.entries(costDetails).filter(([k]) => k !== 'custom-generation'),
		);
		const jobId = newId('job');
		const job: SimJob = {
			jobId,
			jobType: spec.jobType,
			modelId: spec.modelId,
			input: spec.input,
			projectId: spec.projectId,
			ownerId: spec.projectId ?? PLACEHOLDER_OWNER_ID,
			authorId: PLACEHOLDER_AUTHOR_ID,
			createdAt: now,
			updatedAt: now,
			durationMs: this.jobDurationMs,
			phases: this.jobPhases,
			status: 'pending',
			progress: 0,
			statusHistory: [{ status: 'pending', date: iso(now) }],
			assetIds: [],
			outcome: planned?.outcome ?? 'success',
			error: planned?.error,
			empty: planned?.empty,
			billing: {
				cuCost: costDetails['custom-generation'] ?? creativeUnitsCost,
				cuDiscount: creativeUnitsDiscount,
				cuCostDetails: fees,
			},
			creativeUnitsCost,
			creativeUnitsDiscount,
			plan: { ...spec.plan, seed: spec.plan.seed ?? hash31(jobId) },
		};
		this.jobs.set(job.jobId, job);
		if (this.hideNext > 0) {
			this.hideNext--;
			this.hiddenFromList.add(job.jobId);
		}
		this.advance(job, now);
		// Timers keep `jobs` current for tests that inspect the map without polling.
		for (const f of [...phaseStarts(job.phases), 1])
			this.schedule(() => this.advance(job, Date.now()), f * job.durationMs + 1);
		return job;
	}

	private schedule(fn: () => void, delayMs: number): void {
		const t = setTimeout(() => {
			this.timers.delete(t);
			fn();
		}, delayMs);
		t.unref();
		this.timers.add(t);
	}

	advance(job: SimJob, now: number): void {
		advanceJob(job, now, (j) => this.produceOutputs(j));
	}

	cancel(job: SimJob, now: number): void {
		this.advance(job, now);
		if (this.cancelIgnored) return;
		if (!isTerminal(job.status)) finishJob(job, 'canceled', now, () => []);
	}

	/**
	 * Renders the job's outputs (PNGs, or an MP4/WAV/GLB for video, audio and 3D models) and
	 * stores them as assets; with `shuffle`, their ids are answered in another order.
	 */
	private produceOutputs(job: SimJob): string[] {
		if (job.empty) return [];
		const p = job.plan;
		const kind = p.kind ?? 'image';
		const ids: string[] = [];
		for (let i = 0; i < p.count; i++) {
			const seed = p.seed + i;
			const seedText = `${p.prompt ?? ''}|${seed}|${i}|${p.inputDigest}`;
			const media = mediaFile(kind, seedText, this.outputMinBytes);
			const bytes =
				media?.bytes ??
				padPng(renderPicture(seedText, p.width, p.height), this.outputMinBytes, seedText);
			const metadata: Record<string, unknown> = {
				...(p.types?.[i] !== undefined ? { type: p.types[i] } : {}),
				kind,
				modelId: job.modelId,
				parentJobId: job.jobId,
				seed: String(seed),
				...(media
					? {}
					: { width: p.requestedWidth ?? p.width, height: p.requestedHeight ?? p.height }),
				outputIndex: i,
				...p.extraMetadata,
			};
			if (p.prompt !== undefined) metadata.prompt = p.prompt;
			const asset = this.addAsset(bytes, {
				kind,
				mimeType: media?.mimeType,
				extension: media?.extension,
				source: p.source,
				metadata,
				projectId: job.projectId,
				outputIndex: i,
				jobId: job.jobId,
			});
			ids.push(asset.id);
		}
		// A fixed rotation: deterministic, yet never the order the outputs were made in.
		return p.shuffle && ids.length > 1 ? [...ids.slice(2), ...ids.slice(0, 2)].reverse() : ids;
	}

	/** Content digest of input images (by asset id), for deterministic outputs. */
	digestOf(assetIds: string[]): string {
		const h = createHash('sha256');
		for (const id of assetIds) h.update(this.assets.get(id)?.bytes ?? Buffer.from(id));
		return assetIds.length ? h.digest('hex').slice(0, 16) : '';
	}

	// ----- uploads -----

	signedPartUrl(upload: SimUpload, part: number): string {
		const path = `/uploads/${upload.id}/parts/${part}`;
		const expires = Math.floor(upload.partsExpireAt / 1000);
		return `${this.uploadOrigin}${path}?expires=${expires}&sig=${this.sign(path, expires)}`;
	}

	uploadJson(upload: SimUpload): Record<string, unknown> {
		const out: Record<string, unknown> = {
			id: upload.id,
			fileName: upload.fileName,
			originalFileName: upload.fileName,
			partsCount: upload.partsCount,
			kind: upload.kind,
			source: 'multipart',
			authorId: PLACEHOLDER_AUTHOR_ID,
			ownerId: upload.ownerId,
			createdAt: iso(upload.createdAt),
			updatedAt: iso(upload.updatedAt),
			status: upload.status,
			fileSize: upload.fileSize,
			contentType: upload.contentType,
		};
		if (upload.status === 'pending') {
			out.parts = Array.from({ length: upload.partsCount }, (_, i) => ({
				number: i + 1,
				url: this.signedPartUrl(upload, i + 1),
				expires: iso(upload.partsExpireAt),
			}));
		}
		if (upload.assetOptions) out.assetOptions = upload.assetOptions;
		if (upload.entityId) out.entityId = upload.entityId;
		if (upload.errorMessage) out.errorMessage = upload.errorMessage;
		return out;
	}

	/** A completed upload's status by now: validating, validated, then imported (or failed). */
	advanceUpload(upload: SimUpload, now: number): void {
		if (upload.completedAt === undefined) return;
		if (upload.status !== 'validating' && upload.status !== 'validated') return;
		const elapsed = now - upload.completedAt;
		if (elapsed >= this.uploadValidationMs) this.importUpload(upload);
		else if (elapsed >= this.uploadValidationMs / 2) upload.status = 'validated';
	}

	/** Moves a completed upload to imported (creating the asset) or failed. */
	importUpload(upload: SimUpload): void {
		const data = Buffer.concat(
			[...upload.parts.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => b),
		);
		upload.updatedAt = Date.now();
		// Our own (no source): failing on a size mismatch, and its text.
		if (data.length !== upload.fileSize) {
			upload.status = 'failed';
			upload.errorMessage = `File size mismatch: expected ${upload.fileSize} bytes, received ${data.length}`;
			return;
		}
		// Our own (no source): a simulator limit.
		if (upload.kind === 'model') {
			upload.status = 'failed';
			upload.errorMessage = 'Model uploads are not supported by the simulator';
			return;
		}
		const imageKinds = ['image', 'asset', 'avatar'];
		const isImage = imageKinds.includes(upload.kind);
		// EVIDENCE.md "Files in": a non-image uploaded as an image fails its import, "Unsupported
		// image format".
		if (isImage && !sniffImage(data)) {
			upload.status = 'failed';
			upload.errorMessage = 'Unsupported image format';
			return;
		}
		const kind = isImage ? 'image' : upload.kind;
		const typeByKind: Record<string, string> = {
			image: 'uploaded',
			video: 'uploaded-video',
			audio: 'uploaded-audio',
			'3d': 'uploaded-3d',
		};
		const source = typeByKind[kind] ?? 'uploaded';
		const asset = this.addAsset(data, {
			kind,
			mimeType: upload.contentType,
			extension: /\.([A-Za-z0-9]+)$/.exec(upload.fileName)?.[1]?.toLowerCase(),
			source,
			metadata: { type: source, kind, name: upload.fileName },
			projectId: upload.projectId,
		});
		upload.entityId = asset.id;
		upload.status = 'imported';
	}

	// ----- lifecycle -----

	/** Clears jobs, uploads, planned outcomes and non-seeded assets; restores the job duration, phases and output size. */
	reset(): void {
		this.clearTimers();
		this.jobs.clear();
		this.hiddenFromList.clear();
		this.hideNext = 0;
		this.uploads.clear();
		this.plannedOutcomes = [];
		for (const [id, a] of this.assets) if (!a.seeded) this.assets.delete(id);
		this.jobDurationMs = this.defaultJobDurationMs;
		this.jobPhases = this.defaultJobPhases;
		this.outputMinBytes = this.defaultOutputMinBytes;
		this.cdnGzip = false;
		this.cancelIgnored = false;
		this.uploadValidationMs = UPLOAD_VALIDATION_MS;
	}

	clearTimers(): void {
		for (const t of this.timers) clearTimeout(t);
		this.timers.clear();
	}
}
