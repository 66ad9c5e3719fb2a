// A sale's history as the cashier reads it: the core sends each journal row as facts
// (TimelineEntry), and this words them in the user's language.
import type { Failure } from './bindings/Failure';
import type { OpKind } from './bindings/OpKind';
import type { TimelineEntry } from './bindings/TimelineEntry';
import type { MessageKey } from './i18n/index';
import { t } from './i18n.svelte';
import { money } from './state.svelte';

const SOURCES = ['poll', 'webview', 'sync', 'operation', 'callback'] as const;

function op(kind: OpKind): string {
  return t(`timeline.op.${kind}` as MessageKey);
}

/** Why it did not happen, in words: the core's English message stays in the log. */
function why(w: Failure): string {
  return t(`timeline.why.${w}` as MessageKey);
}

function source(s: string): string {
  return t(`timeline.source.${(SOURCES as readonly string[]).includes(s) ? s : 'other'}` as MessageKey);
}

/** One history row in words; `currency` is the sale's. */
export function timelineText(e: TimelineEntry, currency: string): string {
  switch (e.what) {
    case 'sale_opened':
      return t('timeline.sale_opened', { reference: e.reference, amount: money(e.amount, e.currency) });
    case 'checkout_created':
      return t('timeline.checkout_created');
    case 'charge_failed':
      return t('timeline.charge_failed', { why: why(e.why) });
    case 'status_seen':
      return t('timeline.status_seen', { status: t(`status.${e.status}` as MessageKey), source: source(e.source) });
    case 'operation_asked': {
      const asked =
        e.amount === null
          ? t('timeline.operation_asked_all', { op: op(e.op), reference: e.reference })
          : t('timeline.operation_asked', { op: op(e.op), amount: money(e.amount, currency), reference: e.reference });
      const by = e.by === null ? asked : `${asked} ${t('timeline.by', { name: e.by })}`;
      return e.reason === null ? by : `${by}; ${t('timeline.reason', { reason: e.reason })}`;
    }
    case 'operation_accepted':
      return t('timeline.operation_accepted', { op: op(e.op) });
    case 'operation_done':
      return t('timeline.operation_done', { op: op(e.op) });
    case 'operation_refused':
      return t('timeline.operation_refused', { op: op(e.op), why: why(e.why) });
    case 'operation_answer_lost':
      return t('timeline.operation_answer_lost', { op: op(e.op) });
    case 'operation_checked':
      return t(e.happened ? 'timeline.operation_checked_done' : 'timeline.operation_checked_not_done', { op: op(e.op) });
    case 'imported':
      return t('timeline.imported');
    case 'paid_before_cancel':
      return t(e.then === 'void' ? 'timeline.paid_before_cancel_void' : 'timeline.paid_before_cancel_refund');
    case 'paid_as_expired':
      return t('timeline.paid_as_expired');
    case 'link_sent':
      return t(
        e.status === 'sent' ? 'timeline.link_sent' : e.status === 'unknown' ? 'timeline.link_unknown' : 'timeline.link_not_sent',
        { to: e.to },
      );
    case 'note':
      return e.text;
    default: {
      // Every entry the core sends has its words: a new one fails to compile here.
      const unhandled: never = e;
      return String(unhandled);
    }
  }
}
