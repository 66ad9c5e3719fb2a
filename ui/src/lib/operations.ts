// A sale's capture/void/refund operations as the sale detail carries them (the generated
// `SaleOperation` binding), and what the detail screen makes of their states.
import type { SaleDetail } from './bindings/SaleDetail';
import type { SaleOperation } from './bindings/SaleOperation';

export type { SaleOperation };

/** Where an operation is (kasse-core's OpState). */
export type OperationState = 'requested' | 'succeeded' | 'failed' | 'unknown' | 'reconciled' | 'in_flight';

/** What was asked (kasse-core's OpKind). */
export type OperationKind = 'capture' | 'refund' | 'void' | 'cancel';

/** The sale's operations, oldest first. */
export function operationsOf(d: SaleDetail | null | undefined): SaleOperation[] {
  return d?.operations ?? [];
}

/** Dintero accepted it (202) and is processing it: it will happen, possibly minutes later. */
export function isInFlight(o: SaleOperation): boolean {
  return o.state === 'in_flight';
}

/** Asked, but whether it reached Dintero and what it did there is not known yet. */
export function isOutcomeUnknown(o: SaleOperation): boolean {
  return o.state === 'requested' || o.state === 'unknown';
}

/** No final outcome yet (counts against what is capturable/refundable). */
export function isPending(o: SaleOperation): boolean {
  return isInFlight(o) || isOutcomeUnknown(o);
}

/** Whole seconds between two instants (never negative). */
export function ageSeconds(sinceMs: number, nowMs: number): number {
  return Math.max(0, Math.floor((nowMs - sinceMs) / 1000));
}

/** The parts of an age for display: "20 s", "1 min 20 s", "2 h 5 min". */
export function ageParts(seconds: number): { h: number; min: number; s: number } {
  const s = Math.max(0, Math.floor(seconds));
  return { h: Math.floor(s / 3600), min: Math.floor((s % 3600) / 60), s: s % 60 };
}
