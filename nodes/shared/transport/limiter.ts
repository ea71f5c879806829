/**
 * A counting semaphore: tasks take `weight` units (default 1) of `limit`, and wait in order
 * while the units are taken. With weights in bytes it bounds the bytes in flight; a task
 * heavier than the whole limit runs alone.
 */
export class Limiter {
	private active = 0;

	private readonly waiting: Array<{ weight: number; start: () => void }> = [];

	constructor(private readonly limit: number) {
		if (!Number.isInteger(limit) || limit < 1)
			throw new RangeError('limit must be a whole number ≥ 1');
	}

	async run<T>(task: () => Promise<T>, weight = 1): Promise<T> {
		const units = Math.min(this.limit, Math.max(1, Math.ceil(weight)));
		if (this.waiting.length > 0 || this.active + units > this.limit) {
			// Woken by release() with the units already taken for it.
			await new Promise<void>((start) => this.waiting.push({ weight: units, start }));
		} else {
			this.active += units;
		}
		try {
			return await task();
		} finally {
			this.active -= units;
			this.release();
		}
	}

	private release(): void {
		while (this.waiting.length > 0 && this.active + this.waiting[0].weight <= this.limit) {
			const next = this.waiting.shift() as { weight: number; start: () => void };
			this.active += next.weight;
			next.start();
		}
	}
}
