/** What a file is, from its first bytes; and the file extension for a MIME type. */

const MAGIC: Array<{ mime: string; test: (b: Buffer) => boolean }> = [
	{ mime: 'image/png', test: (b) => b.length > 8 && b.readUInt32BE(0) === 0x89504e47 },
	{
		mime: 'image/jpeg',
		test: (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
	},
	{
		mime: 'image/webp',
		test: (b) =>
			b.length > 12 &&
			b.toString('ascii', 0, 4) === 'RIFF' &&
			b.toString('ascii', 8, 12) === 'WEBP',
	},
	{ mime: 'image/gif', test: (b) => b.length > 6 && b.toString('ascii', 0, 4) === 'GIF8' },
];

export function sniffImageMime(head: Buffer): string | undefined {
	return MAGIC.find((m) => m.test(head))?.mime;
}

const EXTENSIONS: Record<string, string> = {
	'image/png': 'png',
	'image/jpeg': 'jpg',
	'image/webp': 'webp',
	'image/gif': 'gif',
	'video/mp4': 'mp4',
	'model/gltf-binary': 'glb',
};

export const extensionFor = (mimeType: string): string =>
	EXTENSIONS[mimeType] ?? mimeType.split('/')[1]?.split(/[+;]/)[0] ?? 'bin';

export const formatBytes = (bytes: number): string =>
	bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
