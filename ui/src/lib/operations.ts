// A sale's capture/void/refund operations as the sale detail carries them, and what the detail
// screen makes of their states.
//
// The generated SaleDetail binding does not (yet) type an `operations` list, so it is read here
// defensively: a detail without one simply has no operations to show.
import type { SaleDetail } from './bindings/SaleDetail';

/** Where an operation is (kasse-core's OpState). */
export type OperationState = 'requested' | 'succeeded' | 'failed' | 'unknown' | 'reconciled' | 'in_flight';

/** What was asked (kasse-core's OpKind). */
export type OperationKind = 'capture' | 'refund' | 'void' | 'cancel';

/** One operation of a sale, as far as the UI needs it. */
export type SaleOperation = {
  op_id?: string;
  kind: OperationKind | string;
  /** Minor units asked (null: everything left). */
  amount?: number | null;
  state: OperationState | string;
  /** When it was asked (RFC 3339), when the detail says. */
  requested_at?: string | null;
};

/** The sale's operations (none when the detail carries no list). */
export function operationsOf(d: SaleDetail | null | undefined): SaleOperation[] {
  const ops = (d as { operations?: unknown } | null | undefined)?.operations;
  if (!Array.isArray(ops)) return [];
  return ops.filter(
    (o): o is SaleOperation => !!o && typeof o === 'object' && typeof o.kind === 'string' && typeof o.state === 'string',
  );
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
