//! Capture at payment (`configuration.auto_capture`) against the sandbox: the watcher follows
//! an authorised sale until Dintero shows the capture (at once, or slowly on the simulated
//! clock) or its failure, also across a restart; without it, the authorisation is flagged for
//! staff; the day report counts captured and open authorisations as the journal saw them.

use std::time::Duration;

use super::engine_common;

use dintero_sandbox::Behaviour;
use engine_common::*;
use kasse_core::clock::Clock;
use kasse_core::sale::{AutoCapture, SaleStatus, Uncaptured};
use kasse_core::store::Store;

/// The sandbox test card whose auto-capture times out (dintero-api.md §19).
const CARD_AUTO_CAPTURE_FAILS: &str = "4100000000000035";

/// The X report of the day around the harness's clock.
fn today(h: &Harness) -> kasse_core::report::DayReport {
    let t = h.clock.now();
    let day = time::Duration::days(1);
    kasse_core::report::day_report(h.kasse.store(), t - day, t + day, false, "NOK").unwrap()
}

/// The sandbox captures `seconds` of simulated time after the authorisation.
fn slow_auto_capture(h: &Harness, seconds: u64) {
    h.control
        .set_behaviour(
            None,
            Behaviour {
                auto_capture_delay: Duration::from_secs(seconds),
                ..Behaviour::default()
            },
        )
        .expect("behaviour");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_captured_payment_is_followed_to_captured_and_counted_as_captured() {
    let h = harness_with(|c| c.auto_capture = true).await;
    let charge = h.charge(12_300).await;
    assert_eq!(charge.sale.auto_capture, Some(AutoCapture::Requested));
    h.control.pay(&charge.session_id, CARD_OK).unwrap();
    let sale = h.assert_stays(&charge.sale.id, SaleStatus::Captured).await;
    assert_eq!(sale.captured, 12_300);
    assert_eq!(sale.uncaptured(), None);
    assert!(sale.operations.is_empty(), "no capture POST of Kasse's");
    h.assert_agrees(&sale);
    let report = today(&h);
    assert_eq!((report.captured, report.open_authorisations), (12_300, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_slow_capture_keeps_the_sale_followed_and_paid_until_dintero_shows_it() {
    let h = harness_with(|c| c.auto_capture = true).await;
    slow_auto_capture(&h, 120);
    let charge = h.charge(5_000).await;
    h.control.pay(&charge.session_id, CARD_OK).unwrap();
    let sale = h.wait_status(&charge.sale.id, SaleStatus::Authorized).await;
    // Paid (authorised), the capture under way: followed, not flagged for staff, not open.
    assert!(sale.status.is_paid());
    assert_eq!(sale.uncaptured(), Some(Uncaptured::Capturing));
    assert!(sale.is_followed() && !sale.is_open());
    assert!(h.kasse.store().uncaptured_sales().unwrap().is_empty());
    // Real time passing changes nothing: the watcher keeps looking, no timer settles it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(h.kasse.followed().contains(&sale.id));
    assert_eq!(
        h.kasse.find(&sale.id).unwrap().status,
        SaleStatus::Authorized
    );
    let report = today(&h);
    assert_eq!((report.captured, report.open_authorisations), (0, 5_000));

    h.advance(Duration::from_secs(121));
    let sale = h.assert_stays(&sale.id, SaleStatus::Captured).await;
    assert_eq!(sale.captured, 5_000);
    h.assert_agrees(&sale);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_auto_capture_is_flagged_and_can_be_captured_by_hand() {
    let h = harness_with(|c| c.auto_capture = true).await;
    let charge = h.charge(8_000).await;
    h.control
        .pay(&charge.session_id, CARD_AUTO_CAPTURE_FAILS)
        .unwrap();
    let sale = h
        .assert_stays(&charge.sale.id, SaleStatus::Authorized)
        .await;
    assert_eq!(sale.auto_capture, Some(AutoCapture::Failed));
    assert_eq!(sale.uncaptured(), Some(Uncaptured::CaptureFailed));
    let flagged: Vec<String> = h
        .kasse
        .store()
        .uncaptured_sales()
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(flagged, std::slice::from_ref(&sale.id));
    let sale = h.kasse.capture(&sale.id, None).await.unwrap();
    assert_eq!((sale.status, sale.captured), (SaleStatus::Captured, 8_000));
    assert!(h.kasse.store().uncaptured_sales().unwrap().is_empty());
    h.assert_agrees(&sale);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_capture_at_payment_the_authorisation_waits_for_staff() {
    let (h, sale) = authorised(4_200).await;
    let session = h
        .control
        .session(sale.session_id.as_deref().unwrap())
        .unwrap();
    assert_eq!(session["configuration"]["auto_capture"], false);
    let sale = h.assert_stays(&sale.id, SaleStatus::Authorized).await;
    assert_eq!(sale.uncaptured(), Some(Uncaptured::NotRequested));
    assert_eq!(h.kasse.store().uncaptured_sales().unwrap().len(), 1);
    // Turned on: the next sale asks for it; the one before keeps what its session asked.
    h.kasse.set_auto_capture(true);
    let charge = h.charge(1_000).await;
    assert_eq!(
        h.control.session(&charge.session_id).unwrap()["configuration"]["auto_capture"],
        true
    );
    h.control.pay(&charge.session_id, CARD_OK).unwrap();
    h.assert_stays(&charge.sale.id, SaleStatus::Captured).await;
    assert_eq!(
        h.kasse.find(&sale.id).unwrap().uncaptured(),
        Some(Uncaptured::NotRequested)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restart_while_the_capture_is_pending_follows_the_sale_again() {
    let h = harness().await;
    slow_auto_capture(&h, 60);
    let (_dir, path) = log_file();
    let mut cfg = config();
    cfg.auto_capture = true;
    cfg.cadence = sleepy_cadence();
    let first = engine(&h.client, &h.clock, Store::open(&path).unwrap(), cfg);
    let charge = first.charge(&order_of(3_300)).await.unwrap();
    h.control.pay(&charge.session_id, CARD_OK).unwrap();
    let sale = first.refresh(&charge.sale.id).await.unwrap();
    assert_eq!(sale.uncaptured(), Some(Uncaptured::Capturing));
    // The process dies here (its watcher sleeps for a minute of real time: it never looks again).
    drop(first);

    let second = h.engine_on(&path);
    assert_eq!(
        second
            .store()
            .followed_sales()
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect::<Vec<_>>(),
        std::slice::from_ref(&sale.id)
    );
    second.resume().await.unwrap();
    assert!(second.followed().contains(&sale.id));
    h.advance(Duration::from_secs(61));
    let sale = second
        .wait_settled(&sale.id, |_| {})
        .await
        .expect("settled");
    assert_eq!((sale.status, sale.captured), (SaleStatus::Captured, 3_300));
    assert!(second.store().followed_sales().unwrap().is_empty());
}
