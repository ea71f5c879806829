/**
 * For the queue-mode tests: an output item's binary is in n8n's database (`database` binary mode)
 * and is the very bytes of the simulator's asset it names.
 */
import { createHash } from 'node:crypto';

import { mediaKindOf } from '../../simulator/media';
import { sniffImage } from '../../simulator/png';
import type { ScenarioSimulator } from '../../simulator/server';
import type { QueueCluster, StoredItem } from './cluster';

export async function expectStoredBytes(
	cluster: QueueCluster,
	sim: ScenarioSimulator,
	item: StoredItem,
): Promise<void> {
	const binary = item.binary?.data;
	expect(binary?.id).toMatch(/^database:/);
	const bytes = await cluster.readBinary(binary!.id!);
	expect(sim.assets.get(item.json.assetId as string)?.bytes.equals(bytes)).toBe(true);
	// An image, or the MP4 a video model makes, with the MIME type its bytes say.
	const kind = mediaKindOf(bytes) ?? (sniffImage(bytes) ? 'image' : undefined);
	expect(kind).toBe(item.json.kind);
	expect(binary?.mimeType).toBe(item.json.mimeType);
	if (typeof item.json.sha256 === 'string')
		expect(item.json.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
}
