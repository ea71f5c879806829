import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';

import type { ModelInput, ScenarioAsset, ScenarioUpload } from '../model/api-types';
import { type ScenarioConnection } from '../transport/connection';
import { inputError } from '../transport/errors';
import type { Limiter } from '../transport/limiter';
import { pause, scenarioRequest } from '../transport/request';
import { callSignedUrl } from '../transport/signed-url';
import { extensionFor, formatBytes, sniffImageMime } from './mime';

/** POST /assets takes the image base64-encoded in JSON, under 6 MB per body: 4.5 MB raw leaves room. */
export const INLINE_UPLOAD_LIMIT = 4.5 * 1024 * 1024;
/** Multipart part size (S3-style uploads want ≥ 5 MiB parts but the last). */
export const UPLOAD_PART_SIZE = 8 * 1024 * 1024;
/** Chunk size when streaming a binary out of n8n's store for an upload. */
const READ_CHUNK_SIZE = 256 * 1024;
const UPLOAD_POLL_MS = 250;
const UPLOAD_IMPORT_TIMEOUT_MS = 120_000;

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

function checkKindAndSize(
	conn: ScenarioConnection,
	check: FileCheck,
	what: string,
	mimeType: string,
	size: number,
	head: Buffer,
): void {
	const { input, itemIndex, field } = check;
	if (input.kind === 'image' && !mimeType.startsWith('image/')) {
		throw inputError(
			conn.node,
			itemIndex,
			field,
			`${what} is ${mimeType}, not an image`,
			'Pass a PNG, JPEG or WebP image.',
		);
	}
	// A declared type is only a label (a file name's extension, a server's header): the bytes decide.
	if (input.kind === 'image' && !sniffImageMime(head)) {
		throw inputError(
			conn.node,
			itemIndex,
			field,
			`${what} is not a PNG, JPEG, WebP or GIF image`,
			`Its type says ${mimeType}, but its content is something else (an error page or a truncated download?). Scenario takes PNG, JPEG, WebP and GIF images.`,
		);
	}
	if (input.maxSize !== undefined && size > input.maxSize) {
		throw inputError(
			conn.node,
			itemIndex,
			field,
			`${what} is ${formatBytes(size)}, over the model's limit of ${formatBytes(input.maxSize)}`,
		);
	}
}

/**
 * Turns one reference into a Scenario asset id: asset ids pass through, binaries and URLs are
 * uploaded (inline under 4.5 MB, multipart above). `transfers` bounds the uploads holding bytes
 * in memory; a binary streamed from disk holds its slot only while its parts are sent.
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
				? `Binary properties on this item: ${available.join(', ')}. Or give an asset id (asset_…) or an image URL.`
				: 'This item carries no binary data: read the image first (e.g. Read/Write Files from Disk, HTTP Request) or give an asset id or URL.',
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
	const fileName = binary.fileName ?? `${property}.${extensionFor(binary.mimeType)}`;
	// Binaries n8n keeps outside memory (filesystem mode) have an id and a known size.
	const declaredSize = binary.id
		? (binary.bytes ?? (await ctx.helpers.getBinaryMetadata(binary.id)).fileSize)
		: undefined;
	if (binary.id && declaredSize !== undefined && declaredSize > INLINE_UPLOAD_LIMIT) {
		// Large binaries kept on disk by n8n are streamed part by part, never whole in memory.
		const binaryId = binary.id;
		const head = await readHead(ctx, binaryId);
		const mimeType = binary.mimeType.startsWith('image/')
			? binary.mimeType
			: (sniffImageMime(head) ?? binary.mimeType);
		checkKindAndSize(conn, check, `Binary property "${property}"`, mimeType, declaredSize, head);
		const open = async () => await ctx.helpers.getBinaryStream(binaryId, READ_CHUNK_SIZE);
		return await uploadMultipart(
			conn,
			check,
			{
				fileName,
				mimeType,
				size: declaredSize,
				parts: partsOf(open, UPLOAD_PART_SIZE, declaredSize, sparePartsOf(transfers)),
			},
			transfers,
		);
	}
	return await transfers.run(async () => {
		const bytes = await ctx.helpers.getBinaryDataBuffer(check.itemIndex, property);
		const mimeType = binary.mimeType.startsWith('image/')
			? binary.mimeType
			: (sniffImageMime(bytes) ?? binary.mimeType);
		checkKindAndSize(conn, check, `Binary property "${property}"`, mimeType, bytes.length, bytes);
		return await uploadBytes(conn, check, fileName, mimeType, bytes);
	});
}

/** The first bytes of a binary, to recognise an image by its content. */
async function readHead(ctx: IExecuteFunctions, binaryId: string): Promise<Buffer> {
	const stream = await ctx.helpers.getBinaryStream(binaryId, 64);
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

async function uploadFromUrl(
	conn: ScenarioConnection,
	check: FileCheck,
	url: string,
): Promise<string> {
	const host = parseUrl(conn, check, url).host;
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
	const header = String(response.headers['content-type'] ?? '')
		.split(';')[0]
		.trim();
	const mimeType = header.startsWith('image/')
		? header
		: (sniffImageMime(bytes) ?? (header || 'application/octet-stream'));
	checkKindAndSize(conn, check, `The file at ${url}`, mimeType, bytes.length, bytes);
	const name = decodeURIComponent(
		new URL(url).pathname.split('/').pop() || `image.${extensionFor(mimeType)}`,
	);
	return await uploadBytes(conn, check, name, mimeType, bytes);
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
	mimeType: string,
	bytes: Buffer,
): Promise<string> {
	if (bytes.length <= INLINE_UPLOAD_LIMIT) {
		const { asset } = await scenarioRequest<{ asset: ScenarioAsset }>(conn, {
			method: 'POST',
			path: '/assets',
			body: { image: bytes.toString('base64'), name: fileName },
			retry: 'submission',
			error: { itemIndex: check.itemIndex, action: `Uploading ${check.field}` },
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
		mimeType,
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
	mimeType: string;
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
	const error = { itemIndex: check.itemIndex, action: `Uploading ${check.field}` };
	const partCount = Math.max(1, Math.ceil(source.size / UPLOAD_PART_SIZE));
	const { upload } = await scenarioRequest<{ upload: ScenarioUpload }>(conn, {
		method: 'POST',
		path: '/uploads',
		body: {
			fileName: source.fileName,
			fileSize: source.size,
			contentType: source.mimeType,
			kind: 'image',
			parts: partCount,
		},
		retry: 'submission',
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
					headers: { 'Content-Type': source.mimeType },
				},
				error,
			);
		}
	};
	await (transfers ? transfers.run(sendParts) : sendParts());
	await scenarioRequest(conn, {
		method: 'POST',
		path: `/uploads/${upload.id}/action`,
		body: { action: 'complete' },
		retry: 'idempotent',
		error,
	});

	const deadline = Date.now() + UPLOAD_IMPORT_TIMEOUT_MS;
	for (;;) {
		const current = (
			await scenarioRequest<{ upload: ScenarioUpload }>(conn, {
				method: 'GET',
				path: `/uploads/${upload.id}`,
				retry: 'idempotent',
				error,
			})
		).upload;
		if (current.status === 'imported' && current.entityId) return current.entityId;
		if (current.status === 'failed') {
			throw inputError(
				conn.node,
				check.itemIndex,
				check.field,
				`Scenario could not import the upload: ${current.errorMessage ?? 'no reason given'}`,
			);
		}
		if (Date.now() > deadline) {
			throw inputError(
				conn.node,
				check.itemIndex,
				check.field,
				`the upload ${upload.id} was not imported within ${UPLOAD_IMPORT_TIMEOUT_MS / 1000} s`,
			);
		}
		await pause(conn.node, UPLOAD_POLL_MS, conn.signal);
	}
}
