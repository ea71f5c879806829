/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * The two non-API origins: the CDN serving signed asset URLs, and the storage origin taking
 * signed multipart PUTs. Both refuse requests carrying an Authorization header, as signed
 * URLs must be fetched without the API credentials.
 * A changed signature is refused (DOCS content-delivery-network-cdn.md: "it would result in an
 * Access Denied Error"). Our own (no source): refusing an Authorization header (a guard that
 * catches a client leaking the API credential; EVIDENCE.md says to fetch signed URLs without it,
 * no source says the CDN refuses it), the S3-style XML bodies, 404/405, ETag and Cache-Control.
 */
import { createHash } from 'node:crypto';
import { bytes, type SimResponse } from './http';
import type { SimState } from './state';
import { gzipSync } from 'node:zlib';

export interface OriginRequest {
	method: string;
	path: string;
	query: Record<string, string>;
	headers: Record<string, string | string[] | undefined>;
	raw: Buffer;
}

/** Storage-style XML error body. */
function xmlError(status: number, code: string, message: string): SimResponse {
	const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
	return bytes(status, Buffer.from(body), { 'content-type': 'application/xml' });
}

/** Our own (no source): see the top of this file. */
function refuseAuthorization(req: OriginRequest): SimResponse | undefined {
	if (req.headers.authorization === undefined) return undefined;
	return xmlError(
		403,
		'AccessDenied',
		'Signed URLs must be requested without an Authorization header',
	);
}

export function handleCdn(state: SimState, req: OriginRequest): SimResponse {
	const refused = refuseAuthorization(req);
	if (refused) return refused;
	if (req.method !== 'GET' && req.method !== 'HEAD')
		return xmlError(405, 'MethodNotAllowed', 'Method not allowed');
	const m = /^\/assets\/([^/.]+)\.[A-Za-z0-9]+$/.exec(req.path);
	if (!m) return xmlError(404, 'NoSuchKey', 'The specified key does not exist.');
	if (!state.verifySignature(req.path, req.query)) {
		return xmlError(403, 'AccessDenied', 'Invalid or expired signature');
	}
	const asset = state.asset(m[1]);
	if (!asset || state.assetPath(asset) !== req.path)
		return xmlError(404, 'NoSuchKey', 'The specified key does not exist.');
	// A CDN that compresses whatever the client asked for (the harder case for a client).
	// Our own (no source): a fault option (setCdnGzip).
	if (state.cdnGzip) {
		return bytes(200, gzipSync(asset.bytes), {
			'content-type': asset.mimeType,
			'content-encoding': 'gzip',
			etag: `"${createHash('md5').update(asset.bytes).digest('hex')}"`,
		});
	}
	return bytes(200, asset.bytes, {
		'content-type': asset.mimeType,
		etag: `"${createHash('md5').update(asset.bytes).digest('hex')}"`,
		'cache-control': 'private, max-age=3600',
	});
}

export function handleUploadOrigin(state: SimState, req: OriginRequest): SimResponse {
	const refused = refuseAuthorization(req);
	if (refused) return refused;
	if (req.method !== 'PUT') return xmlError(405, 'MethodNotAllowed', 'Method not allowed');
	const m = /^\/uploads\/([^/]+)\/parts\/(\d+)$/.exec(req.path);
	if (!m) return xmlError(404, 'NoSuchKey', 'The specified key does not exist.');
	if (!state.verifySignature(req.path, req.query)) {
		return xmlError(403, 'AccessDenied', 'Invalid or expired signature');
	}
	const upload = state.uploads.get(m[1]);
	if (!upload || upload.status !== 'pending') {
		return xmlError(
			404,
			'NoSuchUpload',
			'The specified upload does not exist or was already completed.',
		);
	}
	const part = Number(m[2]);
	if (part < 1 || part > upload.partsCount)
		return xmlError(400, 'InvalidPart', `Part ${part} is out of range`);
	upload.parts.set(part, req.raw);
	upload.updatedAt = Date.now();
	return bytes(200, Buffer.alloc(0), {
		etag: `"${createHash('md5').update(req.raw).digest('hex')}"`,
	});
}
