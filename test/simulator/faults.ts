/** Per-test fault injection: which rule (if any) applies to a request. */

export type Origin = 'api' | 'cdn' | 'upload';

/** Our own (no source): every fault is fault injection, not a recorded Scenario answer (but `cooldown`'s body). */
export type Fault =
	| { kind: 'status'; status: number; retryAfter?: number /* seconds */; body?: unknown }
	/**
	 * 429 with the cooldown in the body and no Retry-After, as Scenario's Blender client expects it
	 * (its test fixture: `429 {"reason":"cooldown","remainingSeconds":900}`).
	 */
	| { kind: 'cooldown'; remainingSeconds: number }
	| { kind: 'reset' } // headers + part of the body are written, then the socket is destroyed
	| { kind: 'slow'; delayMs: number } // answered normally after delayMs
	| { kind: 'malformed' }; // 200 with a truncated (invalid) JSON body

export interface FaultRule {
	method?: string;
	/** API: matched against the path after /v1 (string = prefix). cdn/upload: the full path. */
	path: string | RegExp;
	origin?: Origin;
	/** How many times the fault is applied; default Infinity. */
	times?: number;
	/** Apply to every Nth matching request only (N, 2N, 3N, ...). */
	every?: number;
	fault: Fault;
}

interface ActiveRule {
	rule: FaultRule;
	matched: number;
	applied: number;
}

export function pathMatches(pattern: string | RegExp, path: string): boolean {
	return typeof pattern === 'string' ? path.startsWith(pattern) : pattern.test(path);
}

export class FaultRegistry {
	private rules: ActiveRule[] = [];

	add(rule: FaultRule): void {
		if (rule.every !== undefined && (!Number.isInteger(rule.every) || rule.every < 1)) {
			throw new Error('FaultRule.every must be a positive integer');
		}
		this.rules.push({ rule, matched: 0, applied: 0 });
	}

	clear(): void {
		this.rules = [];
	}

	/**
	 * Returns the fault for this request, counting it against every matching rule's `every`
	 * cadence; the first rule (in insertion order) that fires wins.
	 */
	take(origin: Origin, method: string, matchPath: string): Fault | undefined {
		let chosen: Fault | undefined;
		for (const active of this.rules) {
			const { rule } = active;
			if ((rule.origin ?? 'api') !== origin) continue;
			if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
			if (!pathMatches(rule.path, matchPath)) continue;
			if (active.applied >= (rule.times ?? Infinity)) continue;
			active.matched++;
			if (chosen) continue;
			if (rule.every && active.matched % rule.every !== 0) continue;
			active.applied++;
			chosen = rule.fault;
		}
		return chosen;
	}
}
