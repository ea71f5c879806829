/** Small helpers shared by the simulator modules: ids, hashing, signing, dates. */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// Scenario ids look like `job_KWxxsnSdVXDFZRMsoCvLTmKY`: a prefix and 24 base58-style characters.
const ID_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

export function newId(prefix: string, length = 24): string {
	const bytes = randomBytes(length);
	let out = '';
	for (let i = 0; i < length; i++) out += ID_ALPHABET[bytes[i] % ID_ALPHABET.length];
	return `${prefix}_${out}`;
}

/** Unsigned 31-bit integer from a string, used for deterministic seeds and prices. */
export function hash31(text: string): number {
	return createHash('sha256').update(text).digest().readUInt32BE(0) & 0x7fffffff;
}

export function iso(ms: number): string {
	return new Date(ms).toISOString();
}

export function hmacHex(secret: string, payload: string): string {
	return createHmac('sha256', secret).update(payload).digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
	const ab = Buffer.from(a);
	const bb = Buffer.from(b);
	return ab.length === bb.length && timingSafeEqual(ab, bb);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** "Defined" the way the API treats optional inputs: null and undefined count as absent. */
export function isDefined(v: unknown): boolean {
	return v !== undefined && v !== null;
}
