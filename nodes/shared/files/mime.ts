/** What a file is, from its first bytes or its type; and the file extension for a MIME type. */

/** The kinds of file Scenario takes in `/uploads` and gives back (SPEC PostUploadsRequest.kind). */
export type FileKind = 'image' | 'video' | 'audio' | '3d';

const ascii = (b: Buffer, start: number, end: number) =>
	b.length >= end ? b.toString('latin1', start, end) : '';

/** An ISO-BMFF file (MP4, MOV, M4A): a `ftyp` box first, its major brand says which. */
function isoMediaMime(b: Buffer): string | undefined {
	if (ascii(b, 4, 8) !== 'ftyp') return undefined;
	const brand = ascii(b, 8, 12);
	if (brand === 'M4A ' || brand === 'M4B ') return 'audio/mp4';
	if (brand === 'qt  ') return 'video/quicktime';
	// AVIF/HEIF images are ISO-BMFF too.
	if (brand === 'avif' || brand === 'avis') return 'image/avif';
	if (brand === 'heic' || brand === 'heix' || brand === 'mif1') return 'image/heic';
	return 'video/mp4';
}

/** An SVG: XML text (a BOM, an XML declaration, comments or a doctype may come first) with `<svg`. */
function isSvg(b: Buffer): boolean {
	const text = b.toString('utf8', 0, Math.min(b.length, 512)).replace(/^\uFEFF?\s*/, '');
	if (text.startsWith('<svg')) return true;
	return /^<(\?xml|!--|!DOCTYPE svg)/i.test(text) && /<svg[\s>]/.test(text);
}

const MAGIC: Array<{ mime: string; test: (b: Buffer) => boolean }> = [
	{ mime: 'image/png', test: (b) => b.length > 8 && b.readUInt32BE(0) === 0x89504e47 },
	{
		mime: 'image/jpeg',
		test: (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
	},
	{ mime: 'image/webp', test: (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP' },
	{ mime: 'image/gif', test: (b) => ascii(b, 0, 4) === 'GIF8' },
	// Little- or big-endian TIFF header.
	{ mime: 'image/tiff', test: (b) => ['II*\0', 'MM\0*'].includes(ascii(b, 0, 4)) },
	{ mime: 'image/svg+xml', test: isSvg },
	{ mime: 'audio/wav', test: (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WAVE' },
	{ mime: 'audio/ogg', test: (b) => ascii(b, 0, 4) === 'OggS' },
	{ mime: 'audio/flac', test: (b) => ascii(b, 0, 4) === 'fLaC' },
	// An ID3 tag, or an MPEG audio frame sync (11 bits set, layer bits not 00).
	{
		mime: 'audio/mpeg',
		test: (b) =>
			ascii(b, 0, 3) === 'ID3' ||
			(b.length > 2 && b[0] === 0xff && (b[1] & 0xe0) === 0xe0 && (b[1] & 0x06) !== 0),
	},
	// Matroska / WebM (EBML header).
	{
		mime: 'video/webm',
		test: (b) => b.length > 4 && b.readUInt32BE(0) === 0x1a45dfa3,
	},
	{ mime: 'model/gltf-binary', test: (b) => ascii(b, 0, 4) === 'glTF' },
	{ mime: 'application/vnd.autodesk.fbx', test: (b) => ascii(b, 0, 18) === 'Kaydara FBX Binary' },
	{ mime: 'model/ply', test: (b) => /^ply\r?\n/.test(ascii(b, 0, 5)) },
];

/** The MIME type the bytes show (images, MP4/MOV/WebM, WAV/MP3/OGG/FLAC/M4A, GLB/FBX/PLY), if any. */
export function sniffMime(head: Buffer): string | undefined {
	return isoMediaMime(head) ?? MAGIC.find((m) => m.test(head))?.mime;
}

/**
 * The image formats Scenario's docs list for both `POST /assets` and `/uploads` (`kind: image`):
 * JPEG, PNG, GIF, SVG, WebP, AVIF, TIFF, HEIF/HEIC (DOCS uploading-assets).
 */
const SCENARIO_IMAGES = new Set([
	'image/png',
	'image/jpeg',
	'image/webp',
	'image/gif',
	'image/svg+xml',
	'image/avif',
	'image/tiff',
	'image/heic',
]);

/** The image formats Scenario takes, as users know them (for messages). */
export const SCENARIO_IMAGE_NAMES = 'PNG, JPEG, WebP, GIF, SVG, AVIF, TIFF or HEIC';

/** One of the image formats Scenario's docs list (SCENARIO_IMAGES), from the bytes. */
export function sniffImageMime(head: Buffer): string | undefined {
	const mime = sniffMime(head);
	return mime && SCENARIO_IMAGES.has(mime) ? mime : undefined;
}

/** 3D formats whose MIME type does not start with `model/`. */
const THREE_D_TYPES = new Set(['application/vnd.autodesk.fbx']);

/** The kind a MIME type names, or undefined (text/plain, application/octet-stream …). */
export function kindOfMime(mimeType: string): FileKind | undefined {
	const type = mimeType.split(';')[0].trim().toLowerCase();
	if (type.startsWith('image/')) return 'image';
	if (type.startsWith('video/')) return 'video';
	if (type.startsWith('audio/')) return 'audio';
	if (type.startsWith('model/') || THREE_D_TYPES.has(type)) return '3d';
	return undefined;
}

const EXTENSIONS: Record<string, string> = {
	'image/png': 'png',
	'image/jpeg': 'jpg',
	'image/webp': 'webp',
	'image/gif': 'gif',
	'image/svg+xml': 'svg',
	'image/avif': 'avif',
	'image/tiff': 'tiff',
	'image/heic': 'heic',
	'video/mp4': 'mp4',
	'video/webm': 'webm',
	'video/quicktime': 'mov',
	'audio/mpeg': 'mp3',
	'audio/mp3': 'mp3',
	'audio/wav': 'wav',
	'audio/x-wav': 'wav',
	'audio/wave': 'wav',
	'audio/ogg': 'ogg',
	'audio/flac': 'flac',
	'audio/mp4': 'm4a',
	'audio/m4a': 'm4a',
	'model/gltf-binary': 'glb',
	'model/gltf+json': 'gltf',
	'model/obj': 'obj',
	'model/stl': 'stl',
	'model/ply': 'ply',
	'application/vnd.autodesk.fbx': 'fbx',
};

export const extensionFor = (mimeType: string): string =>
	EXTENSIONS[mimeType] ?? mimeType.split('/')[1]?.split(/[+;]/)[0] ?? 'bin';

/** MIME types by extension, for files whose declared type says nothing (the upload needs one). */
const BY_EXTENSION: Record<string, string> = {
	...Object.fromEntries(Object.entries(EXTENSIONS).map(([mime, ext]) => [ext, mime])),
	jpeg: 'image/jpeg',
	tif: 'image/tiff',
	heif: 'image/heic',
	mp3: 'audio/mpeg',
	wav: 'audio/wav',
	m4a: 'audio/mp4',
	fbx: 'application/vnd.autodesk.fbx',
	vox: 'model/x-3d-vox',
};

export function mimeForFileName(fileName: string | undefined): string | undefined {
	const ext = /\.([A-Za-z0-9]+)$/.exec(fileName ?? '')?.[1]?.toLowerCase();
	return ext ? BY_EXTENSION[ext] : undefined;
}

export const formatBytes = (bytes: number): string =>
	bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
