/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * Tiny PNG encoder plus image sniffing, so simulated outputs are real files a person can open
 * and uploaded inputs get a mime type and dimensions like the real API reports.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

const CRC_TABLE: Uint32Array = (() => {
	const table = new Uint32Array(256);
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		table[n] = c >>> 0;
	}
	return table;
})();

export function crc32(buf: Buffer): number {
	let c = 0xffffffff;
	for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
	const len = Buffer.alloc(4);
	len.writeUInt32BE(data.length);
	const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(typeAndData));
	return Buffer.concat([len, typeAndData, crc]);
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Encodes 8-bit RGB pixels (width*height*3 bytes, row-major) as a PNG. */
export function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
	if (rgb.length !== width * height * 3) throw new Error('encodePng: pixel buffer size mismatch');
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(width, 0);
	ihdr.writeUInt32BE(height, 4);
	ihdr[8] = 8; // bit depth
	ihdr[9] = 2; // colour type RGB
	ihdr[10] = 0; // deflate
	ihdr[11] = 0; // adaptive filtering
	ihdr[12] = 0; // no interlace
	// Each scanline starts with a filter-type byte; 0 = None keeps the encoder trivial.
	const raw = Buffer.alloc((width * 3 + 1) * height);
	for (let y = 0; y < height; y++) {
		const rowStart = y * (width * 3 + 1);
		raw[rowStart] = 0;
		Buffer.from(rgb.buffer, rgb.byteOffset + y * width * 3, width * 3).copy(raw, rowStart + 1);
	}
	return Buffer.concat([
		PNG_SIGNATURE,
		chunk('IHDR', ihdr),
		chunk('IDAT', deflateSync(raw)),
		chunk('IEND', Buffer.alloc(0)),
	]);
}

/**
 * Draws a deterministic picture from a seed string: a two-colour diagonal gradient, a few
 * discs and a band, all derived from sha256(seedText). Different prompts/seeds look different.
 */
export function renderPicture(seedText: string, width: number, height: number): Buffer {
	const h = createHash('sha256').update(seedText).digest();
	const discs = [0, 1, 2].map((i) => ({
		cx: (h[6 + i * 4] / 255) * width,
		cy: (h[7 + i * 4] / 255) * height,
		r2: ((0.08 + (h[8 + i * 4] / 255) * 0.22) * Math.min(width, height)) ** 2,
		col: [h[9 + i * 4], 255 - h[6 + i * 4], h[(20 + i) % 32]],
	}));
	const bandTop = (h[18] / 255) * height;
	const bandBottom = bandTop + Math.max(2, (h[19] / 255) * height * 0.12);
	const rgb = new Uint8Array(width * height * 3);
	// Plain loops without per-pixel allocations: outputs render in a few ms, so completing a
	// job does not stall the event loop (detection-delay benchmarks poll concurrently).
	const wDen = Math.max(1, width - 1);
	const hDen = Math.max(1, height - 1);
	for (let y = 0; y < height; y++) {
		const inBand = y >= bandTop && y < bandBottom;
		for (let x = 0; x < width; x++) {
			const t = (x / wDen + y / hDen) / 2;
			const o = (y * width + x) * 3;
			for (let k = 0; k < 3; k++) {
				let v = h[k] * (1 - t) + h[3 + k] * t;
				for (const d of discs) {
					const dx = x - d.cx;
					const dy = y - d.cy;
					if (dx * dx + dy * dy <= d.r2) v = (v + d.col[k] * 3) / 4;
				}
				v = Math.round(v);
				rgb[o + k] = inBand ? 255 - v : v;
			}
		}
	}
	return encodePng(width, height, rgb);
}

/**
 * Grows a PNG to `targetBytes` (when smaller) with a private ancillary chunk (`paDd`) of
 * deterministic noise before IEND: still a valid PNG that viewers open, as large as a real
 * high-resolution output, and incompressible like real image data. For benchmarks.
 */
export function padPng(png: Buffer, targetBytes: number, seedText = ''): Buffer {
	const overhead = 12; // length, type, CRC of the padding chunk
	const missing = targetBytes - png.length - overhead;
	if (missing <= 0 || png.length < 20) return png;
	const key = createHash('sha256').update(`pad|${seedText}`).digest();
	const noise = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32)).update(
		Buffer.alloc(missing),
	);
	const iend = png.length - 12; // IEND is the last 12 bytes
	return Buffer.concat([png.subarray(0, iend), chunk('paDd', noise), png.subarray(iend)]);
}

export interface ImageInfo {
	mimeType: string;
	extension: string;
	width?: number;
	height?: number;
}

/**
 * The formats Scenario's docs list for image uploads besides png/jpeg/webp/gif (DOCS
 * uploading-assets: SVG, AVIF, TIFF, HEIF/HEIC), recognised without their dimensions (own
 * sniffing, on purpose: see mediaKindOf in media.ts).
 */
function sniffDocumentedImage(buf: Buffer): ImageInfo | undefined {
	const tag = (start: number, end: number) =>
		buf.length >= end ? buf.toString('latin1', start, end) : '';
	if (tag(4, 8) === 'ftyp') {
		const brand = tag(8, 12);
		if (brand === 'avif' || brand === 'avis') return { mimeType: 'image/avif', extension: 'avif' };
		if (['heic', 'heix', 'mif1'].includes(brand))
			return { mimeType: 'image/heic', extension: 'heic' };
		return undefined;
	}
	if (tag(0, 4) === 'II*\0' || tag(0, 4) === 'MM\0*')
		return { mimeType: 'image/tiff', extension: 'tiff' };
	const text = buf.toString('utf8', 0, Math.min(buf.length, 1024)).replace(/^\uFEFF?\s*/, '');
	if (/^<(svg|\?xml|!--|!DOCTYPE svg)/i.test(text) && /<svg[\s>]/.test(text))
		return { mimeType: 'image/svg+xml', extension: 'svg' };
	return undefined;
}

/**
 * Sniffs the image formats Scenario's docs list from their first bytes; reads dimensions of
 * png/jpeg/webp/gif where the header allows.
 */
export function sniffImage(buf: Buffer): ImageInfo | undefined {
	if (buf.length >= 24 && buf.subarray(0, 8).equals(PNG_SIGNATURE)) {
		return {
			mimeType: 'image/png',
			extension: 'png',
			width: buf.readUInt32BE(16),
			height: buf.readUInt32BE(20),
		};
	}
	if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) {
		return { mimeType: 'image/jpeg', extension: 'jpg', ...jpegSize(buf) };
	}
	if (
		buf.length >= 10 &&
		(buf.toString('ascii', 0, 6) === 'GIF87a' || buf.toString('ascii', 0, 6) === 'GIF89a')
	) {
		return {
			mimeType: 'image/gif',
			extension: 'gif',
			width: buf.readUInt16LE(6),
			height: buf.readUInt16LE(8),
		};
	}
	if (
		buf.length >= 16 &&
		buf.toString('ascii', 0, 4) === 'RIFF' &&
		buf.toString('ascii', 8, 12) === 'WEBP'
	) {
		return { mimeType: 'image/webp', extension: 'webp', ...webpSize(buf) };
	}
	return sniffDocumentedImage(buf);
}

function jpegSize(buf: Buffer): { width?: number; height?: number } {
	let i = 2;
	while (i + 9 < buf.length) {
		if (buf[i] !== 0xff) {
			i++;
			continue;
		}
		const marker = buf[i + 1];
		// SOFn markers carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) are not frames.
		if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
			return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
		}
		if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
			i += 2;
			continue;
		}
		i += 2 + buf.readUInt16BE(i + 2);
	}
	return {};
}

function webpSize(buf: Buffer): { width?: number; height?: number } {
	const fourcc = buf.toString('ascii', 12, 16);
	if (fourcc === 'VP8X' && buf.length >= 30) {
		return { width: 1 + buf.readUIntLE(24, 3), height: 1 + buf.readUIntLE(27, 3) };
	}
	if (fourcc === 'VP8 ' && buf.length >= 30) {
		return { width: buf.readUInt16LE(26) & 0x3fff, height: buf.readUInt16LE(28) & 0x3fff };
	}
	if (fourcc === 'VP8L' && buf.length >= 25) {
		const bits = buf.readUInt32LE(21);
		return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
	}
	return {};
}
