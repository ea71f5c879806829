/* eslint-disable @n8n/community-nodes/no-hardcoded-secrets -- test code: placeholders and made-up credentials, never real ones; never shipped */
/**
 * The redaction npm run smoke:live applies before it saves the real API's answers as fixtures:
 * checked offline, on made-up exchanges shaped like real ones.
 */
import { leaks, redactForFixture, REDACTED } from '../live/redact';

const secrets = { apiKey: 'api_key_LIVE_1234', apiSecret: 'sec/ret+LIVE=5678' };
const basic = Buffer.from(`${secrets.apiKey}:${secrets.apiSecret}`).toString('base64');

/** A CloudFront policy as the CDN signs it (URL-safe base64 of its JSON). */
const policy = Buffer.from(
	JSON.stringify({
		Statement: [
			{
				Resource: 'https://cdn.cloud.scenario.com/assets/asset_x*',
				Condition: { DateLessThan: { 'AWS:EpochTime': 1796169600 } },
			},
		],
	}),
)
	.toString('base64')
	.replace(/\+/g, '-')
	.replace(/=/g, '_')
	.replace(/\//g, '~');
const cdnUrl = `https://cdn.cloud.scenario.com/assets/asset_x.png?Policy=${policy}&Signature=abcDEF123~xyz&Key-Pair-Id=K2ABCDEFGHIJ&width=512`;
const partUrl =
	'https://uploads.example-bucket.s3.amazonaws.com/upload_x/1?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20261201%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261201T000000Z&X-Amz-Expires=3600&X-Amz-Signature=deadbeef&X-Amz-Security-Token=tok&X-Amz-SignedHeaders=host';

const exchange = {
	method: 'GET',
	path: '/assets/asset_x',
	requestHeaders: { Authorization: `Basic ${basic}`, 'content-type': 'application/json' },
	responseHeaders: { 'set-cookie': ['session=abc'], 'x-request-id': 'req-1' },
	responseBody: {
		asset: { id: 'asset_x', url: cdnUrl, ownerId: 'proj_real123', authorId: 'apiu_real456' },
		upload: { parts: [{ number: 1, url: partUrl }] },
		echo: `a proxy echoed ${secrets.apiSecret} and ${encodeURIComponent(secrets.apiSecret)} and ${secrets.apiKey}`,
	},
	requestBody: {
		image: `data:image/png;base64,${'iVBORw0KGgo'.padEnd(4000, 'A')}`,
		name: 'in.png',
	},
};

describe('redaction of live answers (npm run smoke:live)', () => {
	const redacted = redactForFixture(exchange, secrets) as typeof exchange;
	const text = JSON.stringify(redacted);

	it('leaves no form of the credential and no Authorization or cookie header', () => {
		for (const form of [
			secrets.apiKey,
			secrets.apiSecret,
			encodeURIComponent(secrets.apiSecret),
			basic,
		])
			expect(text).not.toContain(form);
		expect(redacted.requestHeaders.Authorization).toBe(REDACTED);
		expect(redacted.responseHeaders['set-cookie']).toEqual([REDACTED]);
		expect(redacted.responseHeaders['x-request-id']).toBe('req-1');
		expect(leaks(text, secrets)).toEqual([]);
	});

	it('removes the signature of a CDN URL (Policy, Signature, Key-Pair-Id) and keeps when it expires', () => {
		const url = new URL(redacted.responseBody.asset.url);
		expect(url.origin + url.pathname).toBe('https://cdn.cloud.scenario.com/assets/asset_x.png');
		expect(url.searchParams.get('Signature')).toBe(REDACTED);
		expect(url.searchParams.get('Key-Pair-Id')).toBe(REDACTED);
		expect(url.searchParams.get('Policy')).toBe(
			`${REDACTED}(valid until ${new Date(1796169600 * 1000).toISOString()})`,
		);
		expect(url.searchParams.get('width')).toBe('512');
		expect(text).not.toContain('abcDEF123');
		expect(text).not.toContain(policy);
	});

	it('removes the signing fields of an upload part URL and keeps its lifetime', () => {
		const url = new URL(redacted.responseBody.upload.parts[0].url);
		for (const field of ['X-Amz-Signature', 'X-Amz-Credential', 'X-Amz-Security-Token'])
			expect(url.searchParams.get(field)).toBe(REDACTED);
		expect(url.searchParams.get('X-Amz-Expires')).toBe('3600');
		expect(text).not.toContain('AKIAEXAMPLE');
	});

	it('puts placeholders for account ids and shortens inline file bytes', () => {
		expect(redacted.responseBody.asset.ownerId).toMatch(/FIXTURE/);
		expect(redacted.responseBody.asset.authorId).toMatch(/FIXTURE/);
		expect(redacted.requestBody.image).toMatch(
			/^data:image\/png;base64,<\d+ bytes of base64, left out>$/,
		);
		expect(redacted.requestBody.name).toBe('in.png');
	});

	it('finds what was left in a text that was not redacted', () => {
		expect(leaks(JSON.stringify(exchange), secrets)).toEqual(
			expect.arrayContaining([secrets.apiKey, secrets.apiSecret, 'Signature', 'Key-Pair-Id']),
		);
	});
});
