import type { ScenarioAsset } from '../model/api-types';
import { type ScenarioConnection } from '../transport/connection';
import { scenarioRequest } from '../transport/request';
import { uploadError, type FileCheck, type FilePlan } from './file-plan';

/** POST /assets takes the image base64-encoded in JSON, under 6 MB per body: 4.5 MB raw leaves room. */
export const INLINE_UPLOAD_LIMIT = 4.5 * 1024 * 1024;

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

export const sendsInline = (plan: FilePlan, size: number): boolean =>
	plan.upload === 'image' && INLINE_IMAGES.has(plan.mimeType) && size <= INLINE_UPLOAD_LIMIT;

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
		body: { image: bytes.toString('base64'), name: fileName },
		retry: 'creates',
		error: uploadError(check),
	});
	return asset.id;
}
