//! What the suite found, pinned: each of these failed before its fix in `src/engine/`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use dintero_client::Client;
use dintero_sandbox::{Control, Sandbox, SandboxConfig};
use kasse_core::cadence::Cadence;
use kasse_core::clock::{RandomIds, SystemClock};
use kasse_core::order::OrderInput;
use kasse_core::sale::{Sale, SaleStatus};
use kasse_core::store::Store;
use kasse_core::{Kasse, RefundSpec};

use crate::counter::{client, config};
use crate::rules::once;
use crate::{events, successful, CARD_OK, PATIENCE};

/// A sandbox, a client with a short timeout and quick retries, and one engine on a log file.
struct Rig {
    _sandbox: Sandbox,
    control: Control,
    _client: Client,
    kasse: Kasse,
    _dir: tempfile::TempDir,
}

async fn rig(cadence: Cadence) -> Rig {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let control = sandbox.control();
    let client = client(&sandbox.base_url());
    let dir = tempfile::tempdir().unwrap();
    let kasse = Kasse::new(
        Store::open(dir.path().join("kasse.sqlite")).expect("store"),
        client.clone(),
        Arc::new(SystemClock),
        Arc::new(RandomIds),
        config(cadence),
    );
    Rig {
        _sandbox: sandbox,
        control,
        _client: client,
        kasse,
        _dir: dir,
    }
}

/// The watcher reads once when it starts following and then only when woken.
fn sleepy() -> Cadence {
    Cadence {
        waiting_ms: 60_000,
        paying_ms: 60_000,
        backoff_after_ms: 600_000,
        max_interval_ms: 60_000,
        burst: 1_000,
        refill_per_minute: 1_000,
    }
}

/// A rig whose watcher looks once a minute, with one sale of [`ONE_LINE`] charged; and its id.
async fn sleepy_charge() -> (Rig, kasse_core::Charge, String) {
    let rig = rig(sleepy()).await;
    let charge = charged(&rig, ONE_LINE).await;
    let id = charge.sale.id.clone();
    (rig, charge, id)
}

/// A charge whose watcher has made its first read (so that faults set next hit the test's
/// own calls, not the watcher's).
async fn charged(rig: &Rig, order: &str) -> kasse_core::Charge {
    let before = rig.control.stats().requests;
    let charge = rig
        .kasse
        .charge(&OrderInput::from_json_str(order).unwrap())
        .await
        .expect("charge");
    let deadline = Instant::now() + PATIENCE;
    while rig.control.stats().requests < before + 2 {
        assert!(Instant::now() < deadline, "the watcher never read");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    charge
}

/// Waits until `pred` holds for the sale (hang guard only).
async fn until(kasse: &Kasse, id: &str, what: &str, pred: impl Fn(&Sale) -> bool) -> Sale {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let sale = kasse.find(id).unwrap();
        if pred(&sale) {
            return sale;
        }
        assert!(Instant::now() < deadline, "never {what}: {sale:#?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

const ONE_LINE: &str =
    r#"{"lines":[{"description":"Kaffe","quantity":"2","unit_price":3900,"vat":"25"}]}"#;

/// Found by the suite: a cancel whose answer was lost (503) and which the re-read showed had
/// not happened was reported as a success, while the checkout stayed open for the customer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_that_did_not_happen_is_not_reported_as_done() {
    let (rig, charge, id) = sleepy_charge().await;
    rig.control
        .set_faults(vec![once("POST", "/v1/sessions/*/cancel", |r| {
            r.status = Some(503)
        })]);
    let err = rig.kasse.cancel(&id).await.expect_err("the cancel failed");
    assert_eq!(err.code(), "dintero", "{err:?}");
    let sale = rig.kasse.find(&id).unwrap();
    assert!(sale.is_open(), "the checkout is still open: {sale:#?}");
    assert_eq!(sale.operations[0].applied, Some(false));
    assert!(rig.control.session(&charge.session_id).unwrap()["cancelled_at"].is_null());
    // Pressing again cancels it.
    let sale = rig.kasse.cancel(&id).await.expect("cancel");
    assert_eq!(sale.status, SaleStatus::Cancelled);
}

/// Found by the suite: a cancel whose answer was lost *and* whose re-read failed stayed pending
/// until the next sync or restart; now it is settled in the background like other operations.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_whose_answer_and_re_read_were_lost_settles_by_itself() {
    let (rig, _, id) = sleepy_charge().await;
    rig.control.set_faults(vec![
        once("POST", "/v1/sessions/*/cancel", |r| r.status = Some(503)),
        // Three times: a background read (the watcher, the settler) may take one first, and
        // the cancel's own re-read must still be refused.
        once("GET", "/v1/sessions/*", |r| {
            r.status = Some(429);
            r.retry_after = Some(1);
            r.times = Some(3);
        }),
    ]);
    let err = rig.kasse.cancel(&id).await.expect_err("the cancel failed");
    assert_eq!(err.code(), "network", "{err:?}");
    let sale = until(&rig.kasse, &id, "settled", |s| s.pending_ops == 0).await;
    assert_eq!(sale.operations[0].applied, Some(false), "{sale:#?}");
    assert!(sale.is_open());
    let sale = rig.kasse.cancel(&id).await.expect("cancel");
    assert_eq!(sale.status, SaleStatus::Cancelled);
}

/// Found by the suite: a cashier pressing "refund one coffee" again while the first press's
/// lost answer was still being checked got a second coffee refunded: the engine settled the
/// first (it had happened) and then sent the second. Now the second press is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pressing_again_while_a_lost_answer_is_checked_does_not_refund_twice() {
    let (rig, charge, id) = sleepy_charge().await;
    rig.control.pay(&charge.session_id, CARD_OK).unwrap();
    rig.kasse.check_now(&id);
    until(&rig.kasse, &id, "authorised", |s| {
        s.status == SaleStatus::Authorized
    })
    .await;
    let sale = rig.kasse.capture(&id, None).await.expect("capture");
    let tid = sale.transaction_id.clone().unwrap();
    rig.control.set_faults(vec![
        // The refund's own pre-read passes (an empty rule only counts)…
        once("GET", "/v1/transactions/*", |_| {}),
        // …the refund happens and its answer is lost…
        once("POST", "/v1/transactions/*/refund", |r| {
            r.after = true;
            r.drop = true;
        }),
        // …and so is the re-read right after it.
        once("GET", "/v1/transactions/*", |r| {
            r.status = Some(429);
            r.retry_after = Some(1);
        }),
    ]);
    let one = || RefundSpec::Lines(vec![("1".into(), "1".parse().unwrap())]);
    let err = rig.kasse.refund(&id, one(), None).await.unwrap_err();
    assert_eq!(err.code(), "outcome_unknown", "{err:?}");
    assert_eq!(rig.kasse.find(&id).unwrap().pending_ops, 1);

    // The cashier presses again at once.
    let err = rig.kasse.refund(&id, one(), None).await.unwrap_err();
    assert_eq!(err.code(), "invalid_state", "{err:?}");
    assert!(err.to_string().contains("confirmed"), "{err}");
    let sale = rig.kasse.find(&id).unwrap();
    assert_eq!(sale.refunded, 3_900);
    assert_eq!(sale.pending_ops, 0);
    let tx = rig.control.transaction(&tid).unwrap();
    assert_eq!(successful(&events(&tx), "REFUND").count(), 1, "{tx:#}");

    // Looking at the sale and pressing again is a new refund, done once.
    let sale = rig.kasse.refund(&id, one(), None).await.expect("refund");
    assert_eq!(sale.refunded, 7_800);
    let tx = rig.control.transaction(&tid).unwrap();
    assert_eq!(successful(&events(&tx), "REFUND").count(), 2);
}
