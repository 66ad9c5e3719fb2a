//! Dintero's answers: any bytes decode into the client's models (or a serde error), and what
//! Kasse derives from them — captured, refundable, session state, the facts the log keeps —
//! never panics and stays within bounds.
#![no_main]

use dintero_client::{ErrorBody, Session, SessionCreated, Transaction, TransactionEventName};
use kasse_core::sale::TransactionFacts;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(t) = serde_json::from_slice::<Transaction>(data) {
        let (captured, refunded) = (t.captured(), t.refunded());
        assert!(captured >= 0 && refunded >= 0);
        assert!(t.capturable() >= 0 && t.capturable() <= t.amount.max(0));
        assert!(t.refundable() >= 0 && t.refundable() <= captured);
        let _ = (t.voided(), t.status.is_paid(), t.status.allows_capture());
        let _ = t.event_by_reference("KASSE1-20261124-0001-C1");
        let _ = t.last_event(TransactionEventName::Refund);
        let _ = serde_json::to_vec(&t).unwrap();
    }
    if let Ok(s) = serde_json::from_slice::<Session>(data) {
        let _ = s.visited();
        let _ = s.state(None, time_now()).is_final();
        let _ = serde_json::to_vec(&s).unwrap();
    }
    let _ = serde_json::from_slice::<SessionCreated>(data);
    let _ = serde_json::from_slice::<ErrorBody>(data);
    let _ = serde_json::from_slice::<Vec<Transaction>>(data);
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        if let Some(f) = TransactionFacts::from_json(&v) {
            assert!(!f.id.is_empty());
        }
    }
});

fn time_now() -> time::OffsetDateTime {
    time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000)
}
