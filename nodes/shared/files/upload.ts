import { NodeApiError, type IBinaryData, type IExecuteFunctions } from 'n8n-workflow';

import type { ModelInput, ScenarioAsset, ScenarioUpload } from '../model/api-types';
import { ExecutionCanceledError, pause } from '../transport/cancellation';
import { type ScenarioConnection } from '../transport/connection';
import { inputError, type ErrorContext } from '../transport/errors';
import type { Limiter } from '../transport/limiter';
import { backoffDelay, scenarioRequest } from '../transport/request';
import { callSignedUrl } from '../transport/signed-url';
import {
	extensionFor,
	formatBytes,
	kindOfMime,
	mimeForFileName,
	SCENARIO_IMAGE_NAMES,
	sniffImageMime,
	sniffMime,
	type FileKind,
} from './mime';

/** POST /assets takes the image base64-encoded in JSON, under 6 MB per body: 4.5 MB raw leaves room. */
export const INLINE_UPLOAD_LIMIT = 4.5 * 1024 * 1024;
/** Multipart part size (S3-style uploads want ≥ 5 MiB parts but the last). */
export const UPLOAD_PART_SIZE = 8 * 1024 * 1024;
/** Chunk size when streaming a binary out of n8n's store for an upload. */
const READ_CHUNK_SIZE = 256 * 1024;
/**
 * Waiting for an upload's import, as Scenario's SDK does (`upload.wait()`: every 2 s, up to
 * 300 s). The first checks come sooner and back off to 2 s: a small file is often through
 * validation within a second, and tests need no hook to stay quick.
 */
export const UPLOAD_POLL_FIRST_MS = 250;
export const UPLOAD_POLL_MAX_MS = 2_000;
export const UPLOAD_WAIT_MS = 300_000;

/** How the user pointed at a file: an asset id, a URL, or a binary property of the item. */
export type FileReferenceKind = 'asset' | 'url' | 'binary';

export function referenceKind(ref: string): FileReferenceKind {
	if (/^asset_[A-Za-z0-9]+$/.test(ref)) return 'asset';
	if (/^https?:\/\//i.test(ref)) return 'url';
	return 'binary';
}

interface FileCheck {
	itemIndex: number;
	input: ModelInput;
	field: string;
}

/** What an upload's failed calls say they were doing. */
const uploadError = (check: FileCheck): ErrorContext => ({
	itemIndex: check.itemIndex,
	action: `Uploading ${check.field}`,
});

/**
 * What a file is uploaded as. `upload` is the `/uploads` kind: the file kinds, or `asset` (the
 * SPEC's generic kind) for a file of an input with no known kind whose bytes say nothing.
 */
interface FilePlan {
	upload: FileKind | 'asset';
	mimeType: string;
}

const FILE_KINDS: readonly string[] = ['image', 'video', 'audio', '3d'];
const KIND_NAMES: Record<FileKind, string> = {
	image: 'an image',
	video: 'a video',
	audio: 'an audio file',
	'3d': 'a 3D model',
};
const KIND_EXAMPLES: Record<FileKind, string> = {
	image: `${SCENARIO_IMAGE_NAMES} images`,
	video: 'videos (e.g. MP4, WebM)',
	audio: 'audio (e.g. MP3, WAV, OGG, M4A)',
	'3d': '3D models (e.g. GLB, glTF, OBJ, FBX)',
};

/**
 * Images sent inline by `POST /assets` (up to INLINE_UPLOAD_LIMIT). Scenario's docs list all the
 * image formats (SCENARIO_IMAGES in mime.ts) for both `POST /assets` and `/uploads`; SVG, AVIF,
 * TIFF and HEIC go by `/uploads` (`kind: image`), whose `contentType` names their format, where
 * `POST /assets` carries no type and leaves Scenario to tell these rarer formats from the bytes
 * (untried).
 */
const INLINE_IMAGES: ReadonlySet<string> = new Set([
	'image/png',
	'image/jpeg',
	'image/webp',
	'image/gif',
]);

const sendsInline = (plan: FilePlan, size: number): boolean =>
	plan.upload === 'image' && INLINE_IMAGES.has(plan.mimeType) && size <= INLINE_UPLOAD_LIMIT;

/** The kind a model input takes, when it is one `/uploads` knows. */
const inputKind = (input: ModelInput): FileKind | undefined =>
	FILE_KINDS.includes(input.kind ?? '') ? (input.kind as FileKind) : undefined;

/** A MIME type without parameters; undefined when it says nothing (empty, octet-stream). */
function declaredType(mimeType: string | undefined): string | undefined {
	const type = (mimeType ?? '').split(';')[0].trim().toLowerCase();
	return type && type !== 'application/octet-stream' && type !== 'binary/octet-stream'
		? type
		: undefined;
}

/** Kinds a sniffed container can hold: an MP4, WebM or Ogg file may be audio or video alike. */
function kindsOfSniffed(mime: string): FileKind[] {
	if (mime === 'video/mp4' || mime === 'video/webm') return ['video', 'audio'];
	if (mime === 'audio/ogg') return ['audio', 'video'];
	const kind = kindOfMime(mime);
	return kind ? [kind] : [];
}

/**
 * Decides how a file goes up and checks it: its kind (the input's; for an input of no known
 * kind, the file's own, from its bytes, else its type or name: a guess Scenario's records leave
 * open), its real content type (the bytes decide, a declared type is a label), the image checks
 * (only for image inputs) and the model's `maxSize`.
 */
function planFile(
	conn: ScenarioConnection,
	check: FileCheck,
	what: string,
	file: { declared: string | undefined; fileName?: string; size: number; head: Buffer },
): FilePlan {
	const { input, itemIndex, field } = check;
	const declared = declaredType(file.declared);
	const byName = mimeForFileName(file.fileName);
	const sniffed = sniffMime(file.head);
	const wanted = inputKind(input);
	let plan: FilePlan;
	const image = sniffImageMime(file.head);
	if (wanted === 'image' || (!wanted && image)) {
		// A declared type is only a label (a file name's extension, a server's header): the bytes
		// decide, and give the content type sent.
		if (!image) {
			const label = declared ?? 'application/octet-stream';
			if (!label.startsWith('image/')) {
				throw inputError(
					conn.node,
					itemIndex,
					field,
					`${what} is ${label}, not an image`,
					`Pass an image: ${SCENARIO_IMAGE_NAMES}.`,
				);
			}
			throw inputError(
				conn.node,
				itemIndex,
				field,
				`${what} is not a ${SCENARIO_IMAGE_NAMES} image`,
				`Its type says ${label}, but its content is something else (an error page or a truncated download?). Scenario takes ${SCENARIO_IMAGE_NAMES} images.`,
			);
		}
		plan = { upload: 'image', mimeType: image };
	} else {
		// What the file itself says it is: its bytes when they are recognised, else its type or name.
		const own = kindOfMime(declared ?? '') ?? kindOfMime(byName ?? '');
		const fileKinds = sniffed ? kindsOfSniffed(sniffed) : own ? [own] : [];
		// An input that states no kind (every recorded file input states one, but the field is
		// optional): the file's own kind, tolerantly; `asset` when nothing tells, for which what
		// Scenario does is unknown.
		const upload: FilePlan['upload'] = wanted ?? fileKinds.at(0) ?? 'asset';
		if (wanted && fileKinds.length && !fileKinds.includes(wanted)) {
			throw inputError(
				conn.node,
				itemIndex,
				field,
				`${what} is ${sniffed ?? declared ?? byName} (${fileKinds[0] === '3d' ? '3D' : fileKinds[0]}), not ${KIND_NAMES[wanted]}`,
				`This input takes ${KIND_EXAMPLES[wanted]}.`,
			);
		}
		const ofKind = (type: string | undefined) =>
			type !== undefined && (upload === 'asset' || kindOfMime(type) === upload) ? type : undefined;
		// The bytes decide (an MP4 sent as video/quicktime is video/mp4), but a container that
		// holds either (an MP4 of audio) keeps the declared type of the input's kind.
		const mimeType =
			ofKind(sniffed) ??
			ofKind(declared) ??
			ofKind(byName) ??
			sniffed ??
			declared ??
			byName ??
			'application/octet-stream';
		plan = { upload, mimeType };
	}
	if (input.maxSize !== undefined && file.size > input.maxSize) {
		throw inputError(
			conn.node,
			itemIndex,
			field,
			`${what} is ${formatBytes(file.size)}, over the model's limit of ${formatBytes(input.maxSize)}`,
		);
	}
	return plan;
}

/**
 * Turns one reference into a Scenario asset id: asset ids pass through, binaries and URLs are
 * uploaded: images inline under 4.5 MB (`POST /assets`, which takes images only), every other
 * file, and larger images, by multipart `/uploads` with the file's kind and content type.
 * `transfers` bounds the uploads holding bytes in memory; a binary streamed from disk holds its
 * slot only while its parts are sent.
 */
export async function resolveFileReference(
	conn: ScenarioConnection,
	ctx: IExecuteFunctions,
	check: FileCheck,
	ref: string,
	transfers: Limiter,
): Promise<string> {
	const kind = referenceKind(ref);
	if (kind === 'asset') return ref;
	if (kind === 'url') return await transfers.run(async () => await uploadFromUrl(conn, check, ref));

	const item = ctx.getInputData()[check.itemIndex];
	const binary = item?.binary?.[ref];
	if (!binary) {
		const available = Object.keys(item?.binary ?? {});
		throw inputError(
			conn.node,
			check.itemIndex,
			check.field,
			`the input item has no binary property "${ref}"`,
			available.length
				? `Binary properties on this item: ${available.join(', ')}. Or give an asset id (asset_…) or a URL.`
				: 'This item carries no binary data: read the file first (e.g. Read/Write Files from Disk, HTTP Request) or give an asset id or URL.',
		);
	}
	return await uploadBinary(conn, ctx, check, ref, binary, transfers);
}

async function uploadBinary(
	conn: ScenarioConnection,
	ctx: IExecuteFunctions,
	check: FileCheck,
	property: string,
	binary: IBinaryData,
	transfers: Limiter,
): Promise<string> {
	const what = `Binary property "${property}"`;
	const nameFor = (mimeType: string) => binary.fileName ?? `${property}.${extensionFor(mimeType)}`;
	// Binaries n8n keeps outside memory (filesystem mode) have an id and a known size.
	const declaredSize = binary.id
		? (binary.bytes ?? (await ctx.helpers.getBinaryMetadata(binary.id)).fileSize)
		: undefined;
	const wanted = inputKind(check.input);
	// Multipart files kept on disk by n8n are streamed part by part, never whole in memory: every
	// non-image file, and large images.
	const streams =
		binary.id !== undefined &&
		declaredSize !== undefined &&
		(wanted !== 'image' || declaredSize > INLINE_UPLOAD_LIMIT);
	if (streams) {
		const binaryId = binary.id!;
		const head = await readHead(ctx, binaryId);
		const plan = planFile(conn, check, what, {
			declared: binary.mimeType,
			fileName: binary.fileName,
			size: declaredSize,
			head,
		});
		if (!sendsInline(plan, declaredSize)) {
			const open = async () => await ctx.helpers.getBinaryStream(binaryId, READ_CHUNK_SIZE);
			return await uploadMultipart(
				conn,
				check,
				{
					fileName: nameFor(plan.mimeType),
					plan,
					size: declaredSize,
					parts: partsOf(open, UPLOAD_PART_SIZE, declaredSize, sparePartsOf(transfers)),
				},
				transfers,
			);
		}
	}
	return await transfers.run(async () => {
		const bytes = await ctx.helpers.getBinaryDataBuffer(check.itemIndex, property);
		const plan = planFile(conn, check, what, {
			declared: binary.mimeType,
			fileName: binary.fileName,
			size: bytes.length,
			head: bytes,
		});
		return await uploadBytes(conn, check, nameFor(plan.mimeType), plan, bytes);
	});
}

/** The first bytes of a binary, to recognise a file by its content (an SVG's `<svg` may come late). */
async function readHead(ctx: IExecuteFunctions, binaryId: string): Promise<Buffer> {
	const stream = await ctx.helpers.getBinaryStream(binaryId, 512);
	for await (const chunk of stream as AsyncIterable<Buffer>) {
		(stream as { destroy?: () => void }).destroy?.();
		return Buffer.from(chunk);
	}
	return Buffer.alloc(0);
}

/**
 * The most of a URL's file the node reads when the model states no `maxSize`: the bytes are held
 * in memory for the upload, so an unbounded answer must not be read whole.
 */
export const URL_FILE_LIMIT = 64 * 1024 * 1024;

/**
 * A URL's file is fetched here and uploaded, rather than handed to `POST /uploads {url, kind}`
 * (SPEC): that import is documented only by the SPEC's one line, and nothing says which kinds
 * it takes, whether it honours a model's `maxSize` or what it does with an error page; a
 * URL's file may also be reachable only from where n8n runs. Fetched here, the model's
 * `maxSize` caps what is read, and the file passes the same checks as a binary.
 */
async function uploadFromUrl(
	conn: ScenarioConnection,
	check: FileCheck,
	url: string,
): Promise<string> {
	const parsed = parseUrl(conn, check, url);
	const host = parsed.host;
	const limit = check.input.maxSize ?? URL_FILE_LIMIT;
	const response = await callSignedUrl<ReadableBody>(
		conn,
		{ method: 'GET', url, encoding: 'stream' },
		{
			itemIndex: check.itemIndex,
			action: `Downloading ${check.field} from ${host}`,
			hint: `The server at ${host} refused the file: check that the URL is right and public (reachable without signing in).`,
		},
	);
	const declared = Number(response.headers['content-length']);
	const tooLarge = (size: number) =>
		inputError(
			conn.node,
			check.itemIndex,
			check.field,
			`the file at ${url} is ${size > limit && Number.isFinite(size) ? formatBytes(size) : `over ${formatBytes(limit)}`}, over the limit of ${formatBytes(limit)}${check.input.maxSize ? ' the model states' : ''}`,
		);
	if (Number.isFinite(declared) && declared > limit) {
		response.body.destroy?.();
		throw tooLarge(declared);
	}
	const bytes = await readCapped(response.body, limit, () => tooLarge(Number.NaN));
	const lastSegment = decodeURIComponent(parsed.pathname.split('/').pop() ?? '');
	const plan = planFile(conn, check, `The file at ${url}`, {
		declared: String(response.headers['content-type'] ?? ''),
		fileName: lastSegment,
		size: bytes.length,
		head: bytes,
	});
	// A URL's name may lack an extension (`…/download?id=42`): the content type gives one.
	const extension = `.${extensionFor(plan.mimeType)}`;
	const name = !lastSegment
		? `file${extension}`
		: /\.[A-Za-z0-9]+$/.test(lastSegment)
			? lastSegment
			: `${lastSegment}${extension}`;
	return await uploadBytes(conn, check, name, plan, bytes);
}

/** A user's URL, or an error naming its field ("Invalid URL" alone says neither which nor where). */
function parseUrl(conn: ScenarioConnection, check: FileCheck, url: string): URL {
	try {
		return new URL(url);
	} catch {
		throw inputError(conn.node, check.itemIndex, check.field, `"${url}" is not a valid URL`);
	}
}

type ReadableBody = AsyncIterable<Buffer> & { destroy?: () => void };

/** Reads a streamed body whole, but never more than `limit` bytes. */
async function readCapped(
	body: ReadableBody,
	limit: number,
	tooLarge: () => Error,
): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let size = 0;
	try {
		for await (const chunk of body) {
			size += chunk.length;
			if (size > limit) throw tooLarge();
			chunks.push(Buffer.from(chunk));
		}
	} finally {
		body.destroy?.();
	}
	return Buffer.concat(chunks, size);
}

async function uploadBytes(
	conn: ScenarioConnection,
	check: FileCheck,
	fileName: string,
	plan: FilePlan,
	bytes: Buffer,
): Promise<string> {
	if (sendsInline(plan, bytes.length)) {
		const { asset } = await scenarioRequest<{ asset: ScenarioAsset }>(conn, {
			method: 'POST',
			path: '/assets',
			body: { image: bytes.toString('base64'), name: fileName },
			retry: 'creates',
			error: uploadError(check),
		});
		return asset.id;
	}
	const parts = async function* () {
		for (let offset = 0; offset < bytes.length; offset += UPLOAD_PART_SIZE) {
			yield bytes.subarray(offset, offset + UPLOAD_PART_SIZE);
		}
	};
	return await uploadMultipart(conn, check, {
		fileName,
		plan,
		size: bytes.length,
		parts: parts(),
	});
}

/**
 * Cuts a stream (opened on the first part asked for) into parts of `size` bytes, the last
 * shorter. Every part is copied into ONE buffer of `size` bytes (taken from `spare`, given back
 * at the end), reused: an upload holds one part in memory whatever the file size. So a part
 * must be sent before the next is asked for, as uploadMultipart does.
 */
async function* partsOf(
	open: () => Promise<AsyncIterable<Buffer> | NodeJS.ReadableStream>,
	size: number,
	total: number,
	spare: Buffer[],
): AsyncGenerator<Buffer> {
	const buffer = spare.pop() ?? Buffer.allocUnsafe(size);
	const part = buffer.subarray(0, Math.max(1, Math.min(size, total)));
	try {
		let filled = 0;
		for await (const chunk of (await open()) as AsyncIterable<Buffer>) {
			for (let offset = 0; offset < chunk.length; ) {
				const copied = chunk.copy(
					part,
					filled,
					offset,
					Math.min(chunk.length, offset + part.length - filled),
				);
				filled += copied;
				offset += copied;
				if (filled === part.length) {
					yield part;
					filled = 0;
				}
			}
		}
		if (filled > 0) yield part.subarray(0, filled);
	} finally {
		spare.push(buffer);
	}
}

/**
 * Part buffers of a run's uploads, kept for its next upload (keyed by the run's upload limiter,
 * so they go when the run ends): no 8 MiB of garbage per image for the GC to catch up with.
 */
const spareParts = new WeakMap<Limiter, Buffer[]>();

function sparePartsOf(transfers: Limiter): Buffer[] {
	let spare = spareParts.get(transfers);
	if (!spare) spareParts.set(transfers, (spare = []));
	return spare;
}

interface MultipartSource {
	fileName: string;
	plan: FilePlan;
	size: number;
	parts: AsyncIterable<Buffer>;
}

/**
 * POST /uploads, PUT each part to its signed URL (no Authorization), complete, wait for the
 * import. With `transfers`, only the parts hold a transfer slot (Scenario's import moves no bytes).
 */
async function uploadMultipart(
	conn: ScenarioConnection,
	check: FileCheck,
	source: MultipartSource,
	transfers?: Limiter,
): Promise<string> {
	const error = uploadError(check);
	const partCount = Math.max(1, Math.ceil(source.size / UPLOAD_PART_SIZE));
	const { upload } = await scenarioRequest<{ upload: ScenarioUpload }>(conn, {
		method: 'POST',
		path: '/uploads',
		body: {
			fileName: source.fileName,
			fileSize: source.size,
			contentType: source.plan.mimeType,
			kind: source.plan.upload,
			parts: partCount,
		},
		retry: 'creates',
		error,
	});
	const targets = [...(upload.parts ?? [])].sort((a, b) => a.number - b.number);
	const sendParts = async () => {
		let index = 0;
		for await (const part of source.parts) {
			const target = targets[index++];
			if (!target)
				throw inputError(
					conn.node,
					check.itemIndex,
					check.field,
					'the file is larger than announced for the upload',
				);
			await callSignedUrl(
				conn,
				{
					method: 'PUT',
					url: target.url,
					body: part,
					headers: { 'Content-Type': source.plan.mimeType },
				},
				error,
			);
		}
	};
	await (transfers ? transfers.run(sendParts) : sendParts());
	const refused = await completeUpload(conn, upload.id, error);
	return await waitForImport(conn, check, upload.id, refused);
}

/** The HTTP status of Scenario's error answer; undefined for a failure with no answer. */
function answeredStatus(caught: unknown): number | undefined {
	const status = caught instanceof NodeApiError ? Number(caught.httpCode) : Number.NaN;
	return status > 0 ? status : undefined;
}

/**
 * `POST /uploads/{id}/action {complete}`. Whether a second complete is harmless is unknown (no
 * source says what Scenario does with it), so it is sent again only when the first one's
 * answer is lost (no answer, or a 5xx but 503, which request.ts resends for uploads, like
 * a 429). A 4xx to that repeat does not fail the item: the first complete may have been taken.
 * It is handed back, and the upload's status then tells (waitForImport).
 */
async function completeUpload(
	conn: ScenarioConnection,
	uploadId: string,
	error: ErrorContext,
): Promise<NodeApiError | undefined> {
	const call = {
		method: 'POST' as const,
		path: `/uploads/${uploadId}/action`,
		body: { action: 'complete' },
		error,
	};
	const first = await failureOf(scenarioRequest(conn, { ...call, retry: 'creates' }));
	if (first === undefined) return undefined;
	const status = answeredStatus(first);
	const lost = status === undefined ? !(first instanceof ExecutionCanceledError) : status >= 500;
	if (!lost || status === 503) throw first;
	await pause(conn.node, backoffDelay(1, conn.retry), conn.signal);
	// The repeats, within what is left of the attempts the first one used.
	const repeats = { ...conn.retry, maxAttempts: Math.max(1, conn.retry.maxAttempts - 1) };
	const repeated = await failureOf(
		scenarioRequest({ ...conn, retry: repeats }, { ...call, retry: 'idempotent' }),
	);
	if (repeated === undefined) return undefined;
	const repeatedStatus = answeredStatus(repeated);
	const refused =
		repeatedStatus !== undefined &&
		repeatedStatus >= 400 &&
		repeatedStatus < 500 &&
		repeatedStatus !== 429;
	if (refused) return repeated as NodeApiError;
	throw repeated;
}

/** What a call failed with (the errors of scenarioRequest), undefined when it succeeded. */
async function failureOf(call: Promise<unknown>): Promise<unknown> {
	try {
		await call;
		return undefined;
	} catch (caught) {
		return caught ?? new Error('failed');
	}
}

/**
 * Polls an upload until it becomes an asset, as Scenario's SDK `upload.wait()` does: done as soon
 * as `entityId` is set, or at a terminal status (`imported`, `complete`, `failed`), failing with
 * Scenario's `errorMessage`; at most UPLOAD_WAIT_MS. After a repeated complete was `refused`,
 * an upload still `pending` (the status before any complete, DOCS) took neither: that refusal
 * fails the item.
 */
async function waitForImport(
	conn: ScenarioConnection,
	check: FileCheck,
	uploadId: string,
	refused?: NodeApiError,
): Promise<string> {
	const error = uploadError(check);
	const deadline = Date.now() + UPLOAD_WAIT_MS;
	for (let delay = UPLOAD_POLL_FIRST_MS; ; delay = Math.min(UPLOAD_POLL_MAX_MS, delay * 2)) {
		await pause(conn.node, delay, conn.signal);
		const current = (
			await scenarioRequest<{ upload: ScenarioUpload }>(conn, {
				method: 'GET',
				path: `/uploads/${uploadId}`,
				retry: 'idempotent',
				error,
			})
		).upload;
		if (refused && current.status === 'pending') throw refused;
		if (current.status === 'failed') {
			throw inputError(
				conn.node,
				check.itemIndex,
				check.field,
				`Scenario could not import the upload: ${current.errorMessage ?? 'no reason given'}`,
			);
		}
		if (current.entityId) return current.entityId;
		if (current.status === 'imported' || current.status === 'complete') {
			throw inputError(
				conn.node,
				check.itemIndex,
				check.field,
				`Scenario finished the upload ${uploadId} (${current.status}) but named no asset for it`,
			);
		}
		if (Date.now() + delay > deadline) {
			throw inputError(
				conn.node,
				check.itemIndex,
				check.field,
				`the upload ${uploadId} was not imported within ${UPLOAD_WAIT_MS / 1000} s (last status: ${current.status})`,
				'Scenario may still be validating the file: try again later, or upload it in Scenario and give its asset id.',
			);
		}
	}
}
