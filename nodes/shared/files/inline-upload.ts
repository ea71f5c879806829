import type { ScenarioAsset } from '../model/api-types';
import { type ScenarioConnection } from '../transport/connection';
import { scenarioRequest } from '../transport/request';
import { uploadError, type FileCheck, type FilePlan } from './file-plan';

/**
 * Scenario's docs send "small images (< 6MB)" to `POST /assets` and larger ones to `/uploads`
 * (uploading-assets.md). Whether the 6 MB counts the image or the request, in MB or MiB, no
 * source says: read the strictest way, the whole JSON body stays under 6,000,000 bytes. Base64
 * makes 4 bytes of 3, so that is an image of at most about 4.29 MiB.
 */
export const INLINE_BODY_LIMIT = 6_000_000;

/** The JSON body of `POST /assets`: the image base64-encoded, and its name. */
const inlineBody = (base64: string, fileName: string) => ({ image: base64, name: fileName });

/** The size of that body for a file of `size` bytes, as it goes out (JSON, UTF-8). */
export const inlineBodyBytes = (size: number, fileName: string): number =>
	Buffer.byteLength(JSON.stringify(inlineBody('', fileName))) + 4 * Math.ceil(size / 3);

/** The largest file that could go inline (with an empty name): any larger one never does. */
export const INLINE_UPLOAD_LIMIT =
	Math.floor((INLINE_BODY_LIMIT - 1 - inlineBodyBytes(0, '')) / 4) * 3;

/**
 * Images sent inline by `POST /assets` (while the body stays under INLINE_BODY_LIMIT). Scenario's docs list all the
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

export const sendsInline = (plan: FilePlan, size: number, fileName: string): boolean =>
	plan.upload === 'image' &&
	INLINE_IMAGES.has(plan.mimeType) &&
	inlineBodyBytes(size, fileName) < INLINE_BODY_LIMIT;

/** `POST /assets`: the image base64-encoded in the JSON body. */
export async function uploadInline(
	conn: ScenarioConnection,
	check: FileCheck,
	fileName: string,
	bytes: Buffer,
): Promise<string> {
	const { asset } = await scenarioRequest<{ asset: ScenarioAsset }>(conn, {
		method: 'POST',
		path: '/assets',
		body: inlineBody(bytes.toString('base64'), fileName),
		retry: 'creates',
		error: uploadError(check),
	});
	return asset.id;
}
