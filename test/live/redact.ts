/* eslint-disable @n8n/community-nodes/no-hardcoded-secrets -- test code: placeholders and made-up credentials, never real ones; never shipped */
/**
 * What may be kept of a live exchange with the Scenario API: everything Scenario answered, minus
 * what would let someone act as the account or fetch its files. Removed: the credential in
 * every form it travels in (key, secret, the Basic token), Authorization and cookie headers,
 * the signing part of signed URLs (CloudFront `Policy`, `Signature`, `Key-Pair-Id`, and S3's
 * `X-Amz-*` signing fields of upload part URLs); account ids get placeholders, as in the
 * recordings of Scenario's Blender client; long base64 (image bytes sent inline) is shortened.
 */

export const REDACTED = 'REDACTED';

/**
 * Query fields that sign a URL: with them, anyone could fetch (or upload) the file. When and
 * how long (`Expires`, `X-Amz-Date`, `X-Amz-Expires`) are kept: they say how long URLs last.
 */
const SIGNING_FIELDS = new Set(
	[
		'Policy',
		'Signature',
		'Key-Pair-Id',
		'X-Amz-Signature',
		'X-Amz-Credential',
		'X-Amz-Security-Token',
		'AWSAccessKeyId',
	].map((field) => field.toLowerCase()),
);

/**
 * When a CloudFront policy (URL-safe base64 of JSON) lets its URL be used until, if readable:
 * the one thing in it worth keeping.
 */
function policyExpiry(policy: string): string | undefined {
	try {
		const json = Buffer.from(
			policy.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'),
			'base64',
		).toString('utf8');
		const epoch = /"AWS:EpochTime"\s*:\s*(\d+)/.exec(json)?.[1];
		return epoch ? new Date(Number(epoch) * 1000).toISOString() : undefined;
	} catch {
		return undefined;
	}
}

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

/** Fields naming the account, user or team: replaced as Scenario's own recorder does. */
const ACCOUNT_FIELDS: Record<string, string> = {
	ownerId: 'proj_FIXTURE00000000000000000',
	authorId: 'apiu_FIXTURE0000000000000000',
	userId: 'user_FIXTURE0000000000000000',
	teamId: 'team_FIXTURE0000000000000000',
	projectId: 'proj_FIXTURE00000000000000000',
};

/** Base64 longer than this (a file sent inline) is cut down to its length. */
const LONG_BASE64 = 512;

export interface Secrets {
	apiKey?: string;
	apiSecret?: string;
}

/** Every form the credential could appear in. */
export function secretForms({ apiKey, apiSecret }: Secrets): string[] {
	const forms = [apiKey, apiSecret];
	if (apiSecret) forms.push(encodeURIComponent(apiSecret));
	if (apiKey && apiSecret) forms.push(Buffer.from(`${apiKey}:${apiSecret}`).toString('base64'));
	return forms.filter((form): form is string => typeof form === 'string' && form.length >= 4);
}

/** A URL's signing query fields replaced; any other text returned as is. */
export function redactSignedUrl(text: string): string {
	return text.replace(/https?:\/\/[^\s"'<>]+/g, (raw) => {
		let url: URL;
		try {
			url = new URL(raw);
		} catch {
			return raw;
		}
		let changed = false;
		for (const key of [...url.searchParams.keys()]) {
			if (!SIGNING_FIELDS.has(key.toLowerCase())) continue;
			const until =
				key.toLowerCase() === 'policy' ? policyExpiry(url.searchParams.get(key) ?? '') : undefined;
			url.searchParams.set(key, until ? `${REDACTED}(valid until ${until})` : REDACTED);
			changed = true;
		}
		return changed ? url.toString() : raw;
	});
}

function redactText(text: string, secrets: string[]): string {
	let result = text;
	for (const secret of secrets) result = result.split(secret).join(REDACTED);
	result = redactSignedUrl(result);
	const base64 = /^(data:[^;,]+;base64,)?([A-Za-z0-9+/=]+)$/.exec(result);
	if (base64 && result.length > LONG_BASE64)
		return `${base64[1] ?? ''}<${Math.floor((base64[2].length * 3) / 4)} bytes of base64, left out>`;
	return result;
}

/** A copy of `value` (an exchange, a body, headers) fit to be saved in the repository. */
export function redactForFixture(value: unknown, secrets: Secrets): unknown {
	const forms = secretForms(secrets);
	const walk = (current: unknown, key?: string): unknown => {
		if (typeof current === 'string') {
			if (key && SECRET_HEADERS.has(key.toLowerCase())) return REDACTED;
			if (key && key in ACCOUNT_FIELDS) return ACCOUNT_FIELDS[key];
			return redactText(current, forms);
		}
		if (Array.isArray(current)) {
			if (key && SECRET_HEADERS.has(key.toLowerCase())) return current.map(() => REDACTED);
			return current.map((entry) => walk(entry));
		}
		if (current && typeof current === 'object') {
			return Object.fromEntries(
				Object.entries(current).map(([name, entry]) => [
					redactText(name, forms),
					walk(entry, name),
				]),
			);
		}
		return current;
	};
	return walk(value);
}

/** Whether any form of the credential or any signing field is still in `text` (a last check). */
export function leaks(text: string, secrets: Secrets): string[] {
	const found = secretForms(secrets).filter((form) => text.includes(form));
	for (const match of text.matchAll(/[?&]([A-Za-z-]+)=([^&"\s]+)/g)) {
		let value = match[2];
		try {
			value = decodeURIComponent(value);
		} catch {
			// Not percent-encoded text: checked as it is.
		}
		if (SIGNING_FIELDS.has(match[1].toLowerCase()) && !value.startsWith(REDACTED))
			found.push(match[1]);
	}
	return found;
}
