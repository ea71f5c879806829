/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/** Request/response plumbing: handlers return a SimResponse so faults can rewrite it before it is sent. */
import type { IncomingMessage } from 'node:http';

export interface SimResponse {
	status: number;
	headers: Record<string, string>;
	body: Buffer;
}

/** A failure answered with Scenario's error shape `{"reason": "..."}` (as in the recorded contracts). */
export class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly reason: string,
		readonly headers: Record<string, string> = {},
	) {
		super(reason);
	}
}

export function json(
	status: number,
	body: unknown,
	headers: Record<string, string> = {},
): SimResponse {
	return {
		status,
		headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
		body: Buffer.from(JSON.stringify(body)),
	};
}

export function errorResponse(err: ApiError): SimResponse {
	return json(err.status, { reason: err.reason }, err.headers);
}

/**
 * A refusal of the API gateway, before Scenario's handlers: `{"message": "..."}` (EVIDENCE.md
 * "Errors and rate limits": gateway refusals use `message`, e.g. BLENDER tests/unit/test_client.py
 * `403 {"message":"API Keys cannot access protected resources"}`).
 */
export function gatewayError(status: number, message: string): SimResponse {
	return json(status, { message });
}

export function bytes(
	status: number,
	body: Buffer,
	headers: Record<string, string> = {},
): SimResponse {
	return { status, headers, body };
}

/** Reads the whole request body; stops buffering (but keeps counting) past `maxBytes`. */
export function readBody(
	req: IncomingMessage,
	maxBytes: number,
): Promise<{ raw: Buffer; size: number }> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		req.on('data', (c: Buffer) => {
			size += c.length;
			if (size <= maxBytes) chunks.push(c);
		});
		req.on('end', () => resolve({ raw: Buffer.concat(chunks), size }));
		req.on('error', reject);
	});
}

/** Parsed JSON for the log and the handlers; undefined when the body is empty or not JSON. */
export function tryParseJson(raw: Buffer, contentType: string | undefined): unknown {
	if (raw.length === 0) return undefined;
	if (contentType && !/json|text\/plain/i.test(contentType)) return undefined;
	try {
		return JSON.parse(raw.toString('utf8'));
	} catch {
		return undefined;
	}
}

export function queryObject(url: URL): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [k, v] of url.searchParams) out[k] = v;
	return out;
}
