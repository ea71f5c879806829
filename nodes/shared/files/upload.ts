import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';

import { type ScenarioConnection } from '../transport/connection';
import { inputError } from '../transport/errors';
import type { Limiter } from '../transport/limiter';
import { callSignedUrl } from '../transport/signed-url';
import { inputKind, planFile, type FileCheck, type FilePlan } from './file-plan';
import { INLINE_UPLOAD_LIMIT, sendsInline, uploadInline } from './inline-upload';
import { extensionFor, formatBytes } from './mime';
import { partsOf, sparePartsOf, uploadMultipart, UPLOAD_PART_SIZE } from './multipart-upload';

/**
 * Where a file reference becomes an asset id: a binary or a URL's file is read here, planned
 * (file-plan.ts) and sent by one of Scenario's two upload routes (inline-upload.ts,
 * multipart-upload.ts).
 */

/** Chunk size when streaming a binary out of n8n's store for an upload. */
const READ_CHUNK_SIZE = 256 * 1024;

/** How the user pointed at a file: an asset id, a URL, or a binary property of the item. */
export type FileReferenceKind = 'asset' | 'url' | 'binary';

/**
 * An asset id as Scenario writes them: `asset_` and letters and digits, in parts joined by `_`
 * (the uploading docs' own example answers `asset_staging_qSACAtKeAbd1EmAEG4YNguea`).
 */
const ASSET_ID = /^asset_[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*$/;

/**
 * What a reference points at. A binary property of the item by that name wins over an asset id
 * of the same spelling: a property may be named like one (`asset_1`), an id never names a
 * property.
 */
export function referenceKind(ref: string, binaryNames: readonly string[] = []): FileReferenceKind {
	if (binaryNames.includes(ref)) return 'binary';
	if (ASSET_ID.test(ref)) return 'asset';
	if (/^https?:\/\//i.test(ref)) return 'url';
	return 'binary';
}

/**
 * Turns one reference into a Scenario asset id: asset ids pass through, binaries and URLs are
 * uploaded: images inline while the request stays under 6 MB (`POST /assets`, which takes
 * images only), every other file, and larger images, by multipart `/uploads` with the file's kind and content type.
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
	const item = ctx.getInputData()[check.itemIndex];
	const kind = referenceKind(ref, Object.keys(item?.binary ?? {}));
	if (kind === 'asset') return ref;
	if (kind === 'url') return await transfers.run(async () => await uploadFromUrl(conn, check, ref));

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
		if (!sendsInline(plan, declaredSize, nameFor(plan.mimeType))) {
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

/** A file held whole in memory, sent by the route its plan and size call for. */
async function uploadBytes(
	conn: ScenarioConnection,
	check: FileCheck,
	fileName: string,
	plan: FilePlan,
	bytes: Buffer,
): Promise<string> {
	if (sendsInline(plan, bytes.length, fileName))
		return await uploadInline(conn, check, fileName, bytes);
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
