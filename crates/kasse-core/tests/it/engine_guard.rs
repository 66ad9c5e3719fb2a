//! Refund, void, the Z report and the export behind the staff PINs, against the sandbox: a
//! refusal logs nothing and sends nothing, a right PIN names who did it in the journal, and
//! refunds up to the manager's limit need no PIN; a discount above the manager's limit needs
//! the manager before the sale is logged, and Dintero, the receipt, a refund by line and the
//! day report all see the discounted amounts.

use super::engine_common;

use engine_common::*;
use kasse_core::access;
use kasse_core::sale::{LogEvent, Sale, SaleStatus, COUNTER_STREAM};
use kasse_core::staff::{Actor, Guarded, Role};
use kasse_core::{CoreError, RefundSpec};

fn mona() -> Actor {
    Actor::Staff {
        name: "Mona".into(),
        role: Role::Manager,
    }
}

/// Mona the manager (4711), Kari the cashier (1234), refunds up to `limit` open to anyone.
/// A harness with the staff of [`staff`] (refund limit `limit`) and a sale of `amount`
/// authorised: the sale and its transaction id.
async fn staffed_and_authorised(limit: i64, amount: i64) -> (Harness, Sale, String) {
    let h = harness().await;
    staff(&h, limit);
    let sale = h.authorised(amount).await;
    let tid = sale.transaction_id.clone().unwrap();
    (h, sale, tid)
}

fn staff(h: &Harness, limit: i64) {
    let store = h.kasse.staff_store();
    let now = kasse_core::clock::Clock::now(&h.clock);
    let anyone = access::guard(store, Guarded::Settings, None, now).unwrap();
    access::set_pin(store, &anyone, "Mona", Role::Manager, "4711", now).unwrap();
    let m = access::guard(store, Guarded::Settings, Some("4711"), now).unwrap();
    access::set_pin(store, &m, "Kari", Role::Cashier, "1234", now).unwrap();
    access::set_refund_limit(store, &m, limit, now).unwrap();
}

fn actor_of_last_request(h: &Harness, sale_id: &str) -> Option<Actor> {
    let actors = h.picked(sale_id, |e| match e {
        LogEvent::OperationRequested { actor, .. } => Some(actor),
        _ => None,
    });
    actors.into_iter().last().flatten()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refused_refund_sends_nothing_and_a_right_pin_is_named_in_the_journal() {
    let (h, sale, tid) = staffed_and_authorised(2_000, 10_000).await;
    let sale = h.kasse.capture(&sale.id, None).await.unwrap();
    let events = || h.sandbox_tx(&tid)["events"].as_array().unwrap().len();
    let before = events();
    let refund = |amount, key: &'static str, pin| {
        h.kasse
            .refund_once(&sale.id, RefundSpec::Amount(amount), None, key, pin)
    };
    for (pin, code) in [
        (None, "pin_required"),
        (Some("9999"), "pin_wrong"),
        (Some("1234"), "manager_required"),
    ] {
        let e = refund(5_000, "k1", pin).await.unwrap_err();
        assert_eq!(e.code(), code, "{e}");
    }
    assert_eq!(events(), before, "nothing reached Dintero");
    assert!(
        h.kasse.find(&sale.id).unwrap().operations.len() == 1,
        "nothing logged"
    );

    // Up to the limit anyone may refund; the journal says so.
    let s = refund(2_000, "k2", None).await.unwrap();
    assert_eq!(s.refunded, 2_000);
    assert_eq!(actor_of_last_request(&h, &sale.id), Some(Actor::Anyone));
    // Above it, the manager.
    let s = refund(5_000, "k3", Some("4711")).await.unwrap();
    assert_eq!(s.refunded, 7_000);
    assert_eq!(actor_of_last_request(&h, &sale.id), Some(mona()));
    assert!(h.kasse.store().verify_journal().unwrap().ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_void_needs_the_manager_and_a_lock_refuses_even_the_right_pin() {
    let (h, sale, tid) = staffed_and_authorised(0, 4_000).await;
    let before = h.sandbox_tx(&tid)["events"].as_array().unwrap().len();
    for _ in 0..4 {
        let e = h
            .kasse
            .void_once(&sale.id, "v", Some("0000"))
            .await
            .unwrap_err();
        assert!(matches!(e, CoreError::PinWrong { .. }), "{e}");
    }
    let e = h
        .kasse
        .void_once(&sale.id, "v", Some("0000"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, CoreError::PinLocked { seconds: 30, .. }),
        "{e:?}"
    );
    let e = h
        .kasse
        .void_once(&sale.id, "v", Some("4711"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "pin_locked");
    assert_eq!(
        h.sandbox_tx(&tid)["events"].as_array().unwrap().len(),
        before
    );
    h.clock.advance(time::Duration::seconds(30));
    let s = h
        .kasse
        .void_once(&sale.id, "v", Some("4711"))
        .await
        .unwrap();
    assert_eq!(s.status, SaleStatus::Voided);
    assert_eq!(actor_of_last_request(&h, &sale.id), Some(mona()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn closing_the_day_and_exporting_need_the_manager_the_x_report_does_not() {
    let h = harness().await;
    let now = kasse_core::clock::Clock::now(&h.clock);
    let (from, to) = (now - time::Duration::days(1), now + time::Duration::days(1));
    // Nothing is guarded before a manager PIN is set.
    assert!(h.kasse.day_report(from, to, true, "NOK", None).is_ok());
    staff(&h, 0);
    assert!(h.kasse.day_report(from, to, false, "NOK", None).is_ok());
    let e = h.kasse.day_report(from, to, true, "NOK", None).unwrap_err();
    assert_eq!(e.code(), "pin_required");
    let e = h.kasse.export_csv(from, to, Some("1234")).unwrap_err();
    assert_eq!(e.code(), "manager_required");
    assert!(
        h.kasse
            .day_report(from, to, true, "NOK", Some("4711"))
            .unwrap()
            .closing
    );
    assert!(h
        .kasse
        .export_csv(from, to, Some("4711"))
        .unwrap()
        .starts_with("created_at,"));
}

/// The staff of [`staff`] (no refund limit), one sale of 100.00 captured, now, and a period
/// around now.
async fn staffed_day_with_a_capture() -> (
    Harness,
    time::OffsetDateTime,
    (time::OffsetDateTime, time::OffsetDateTime),
) {
    let h = harness().await;
    staff(&h, 0);
    let sale = h.authorised(10_000).await;
    h.kasse.capture(&sale.id, None).await.unwrap();
    let now = kasse_core::clock::Clock::now(&h.clock);
    let period = (now - time::Duration::days(1), now + time::Duration::days(1));
    (h, now, period)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_closed_day_and_an_export_name_who_did_them_in_the_counters_stream() {
    let (h, now, (from, to)) = staffed_day_with_a_capture().await;
    let counter = || h.kasse.store().events(COUNTER_STREAM).unwrap();
    let before = counter().len();
    // Refused, or only an X report: nothing journaled.
    for pin in [None, Some("1234"), Some("9999")] {
        assert!(h.kasse.day_report(from, to, true, "NOK", pin).is_err());
        assert!(h.kasse.export_csv(from, to, pin).is_err());
    }
    h.kasse.day_report(from, to, false, "NOK", None).unwrap();
    assert_eq!(counter().len(), before);

    let z = h
        .kasse
        .day_report(from, to, true, "NOK", Some("4711"))
        .unwrap();
    let rows = counter();
    assert_eq!(rows.len(), before + 1);
    let closed = rows.last().unwrap();
    assert_eq!(
        closed.event,
        LogEvent::DayClosed {
            actor: mona(),
            from,
            // A Z report closes the period now: what follows belongs to the next one.
            to: now + time::Duration::milliseconds(1),
            currency: "NOK".into(),
            sales: 1,
            net: 10_000,
            journal_head: z.journal_head.clone(),
        }
    );
    // The head printed on the report is a row before the one that says so, and holds.
    let printed: kasse_core::store::PrintedHead = z.journal_head.unwrap().parse().unwrap();
    assert!(printed.seq < closed.seq);
    let anchor = h.kasse.store().anchor(&printed).unwrap();
    assert_eq!(anchor, kasse_core::store::Anchor::Holds);

    let csv = h.kasse.export_csv(from, to, Some("4711")).unwrap();
    assert_eq!(csv.lines().count(), 2);
    assert_eq!(
        counter().last().unwrap().event,
        LogEvent::JournalExported {
            actor: mona(),
            from,
            to,
            rows: 1,
        }
    );
    assert_eq!(counter().len(), before + 2);
    h.assert_sound();
    let journal = h.kasse.store().verify_journal().unwrap();
    assert!(journal.ok, "{journal:?}");
}

/// Issue 16, defect 6: the export is written where the person chose (never into the folder
/// the app runs in), behind the manager's PIN, and journaled once written; a path that cannot
/// be written, or a relative one, is `file_write` naming the path, and leaves no file and no
/// journal row.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_export_is_written_to_the_chosen_file_and_an_unwritable_one_is_a_file_write_error() {
    let (h, _, (from, to)) = staffed_day_with_a_capture().await;
    let counter = || h.kasse.store().events(COUNTER_STREAM).unwrap().len();
    let cwd = std::env::current_dir().unwrap();
    let cwd_before: Vec<_> = std::fs::read_dir(&cwd)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let chosen = dir.path().join("day.csv");
    std::fs::write(&chosen, "old").unwrap();

    let e = h
        .kasse
        .export_csv_file(from, to, &chosen, None)
        .unwrap_err();
    assert_eq!(e.code(), "pin_required");
    let before = counter();
    let file = h
        .kasse
        .export_csv_file(from, to, &chosen, Some("4711"))
        .unwrap();
    assert_eq!(file.path, chosen);
    assert_eq!(file.rows, 1);
    let written = std::fs::read_to_string(&chosen).unwrap();
    assert!(written.starts_with("created_at,"), "{written}");
    assert_eq!(written.lines().count(), 2);
    assert_eq!(counter(), before + 1);
    // Nothing beside it (no half-written part file) and nothing in the working directory.
    let beside: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
    assert_eq!(beside.len(), 1);

    let missing = dir.path().join("no such folder").join("day.csv");
    let relative = std::path::Path::new("day.csv");
    for path in [missing.as_path(), relative] {
        let e = h
            .kasse
            .export_csv_file(from, to, path, Some("4711"))
            .unwrap_err();
        assert_eq!(e.code(), "file_write", "{e}");
        assert!(matches!(e, CoreError::FileWrite { .. }));
        let message = e.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(!path.exists());
    }
    assert_eq!(counter(), before + 1, "a failed export is not journaled");
    let cwd_after: Vec<_> = std::fs::read_dir(&cwd)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(
        cwd_after, cwd_before,
        "nothing is written where the app runs"
    );
}

/// 15 % off a coffee line and 10 kr off the order: above a 10 % limit.
fn discounted_order() -> kasse_core::order::OrderInput {
    kasse_core::order::OrderInput::from_json_str(
        r#"{"currency":"NOK","lines":[
            {"description":"Kaffe","quantity":"2","unit_price":3900,"vat":"25","discount":{"percent":"15"}},
            {"description":"Bolle","quantity":"1","unit_price":3333,"vat":"15"},
            {"description":"Epler","quantity":"0.375","unit_price":12990,"vat":"15"}],
          "discount":{"amount":1000}}"#,
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_discount_above_the_limit_needs_the_manager_and_dintero_gets_the_discounted_lines() {
    let h = harness().await;
    staff(&h, 0);
    let store = h.kasse.staff_store();
    let now = kasse_core::clock::Clock::now(&h.clock);
    let m = access::guard(store, Guarded::Settings, Some("4711"), now).unwrap();
    access::set_discount_limit(store, &m, 10_00, now).unwrap();
    assert_eq!(access::discount_limit(store).unwrap(), 10_00);

    let input = discounted_order();
    let priced = h.kasse.price(&input).unwrap();
    assert_eq!(priced.largest_discount_share(), 15_00);
    let sales_before = h.kasse.store().open_sales().unwrap().len();
    for (pin, code) in [
        (None, "pin_required"),
        (Some("9999"), "pin_wrong"),
        (Some("1234"), "manager_required"),
    ] {
        let e = h.kasse.charge_with_pin(&input, pin).await.unwrap_err();
        assert_eq!(e.code(), code, "{e}");
    }
    assert_eq!(
        h.kasse.store().open_sales().unwrap().len(),
        sales_before,
        "a refused discount logs no sale"
    );
    // Within the limit anyone may: 10 % off the order alone.
    let small = kasse_core::order::OrderInput {
        discount: Some(kasse_core::order::Discount::Percent("10".parse().unwrap())),
        ..order3()
    };
    let c = h.kasse.charge(&small).await.unwrap();
    assert_eq!(c.order.discount_approved_by, None);

    let charge = h.kasse.charge_with_pin(&input, Some("4711")).await.unwrap();
    assert_eq!(charge.order.discount_approved_by, Some(mona()));
    // 78.00 − 11.70 = 66.30, 33.33, 48.71: 148.34, 10.00 off spread 4.47 + 2.25 + 3.28.
    let session = h.control.session(&charge.session_id).unwrap();
    let items = session["order"]["items"].as_array().unwrap();
    let sent: Vec<(i64, i64)> = items
        .iter()
        .map(|i| {
            (
                i["amount"].as_i64().unwrap(),
                i["vat_amount"].as_i64().unwrap(),
            )
        })
        .collect();
    let lines: Vec<(i64, i64)> = charge
        .order
        .lines
        .iter()
        .map(|l| (l.amount, l.vat_amount))
        .collect();
    assert_eq!(sent, lines);
    assert_eq!(sent, [(6183, 1237), (3108, 405), (4543, 593)]);
    let sum: i64 = sent.iter().map(|(a, _)| a).sum();
    assert_eq!(session["order"]["amount"].as_i64(), Some(sum));
    assert_eq!(sum, 7800 + 3333 + 4871 - 1170 - 1000);
    assert_eq!(
        session["order"]["vat_amount"].as_i64(),
        Some(sent.iter().map(|(_, v)| v).sum())
    );

    // Paid and captured; a refund of one coffee gives back half the discounted line.
    h.control.pay(&charge.session_id, CARD_OK).unwrap();
    let sale = h.wait_status(&charge.sale.id, SaleStatus::Authorized).await;
    let sale = h.kasse.capture(&sale.id, None).await.unwrap();
    let receipt = {
        let d = h.kasse.detail(&sale.id).unwrap();
        kasse_core::receipt::sale_receipt(&d.sale, d.order.as_ref(), &d.events).unwrap()
    };
    let coffee = &receipt.lines[0];
    assert_eq!(coffee.unit_price, 3900, "the price before the discount");
    let d = coffee.discount.unwrap();
    assert_eq!(
        (d.before, d.line, d.order, coffee.amount),
        (7800, 1170, 447, 6183)
    );
    assert_eq!(receipt.order_discount.unwrap().amount, 1000);
    assert_eq!(receipt.discount_total, 2170);
    assert_eq!(receipt.total, sum);

    // One coffee of line 1, with the manager's PIN, as the press `key`.
    let one_coffee = |key| {
        let lines = RefundSpec::Lines(vec![("1".into(), "1".parse().unwrap())]);
        h.kasse
            .refund_once(&sale.id, lines, None, key, Some("4711"))
    };
    let refunded = one_coffee("d1").await.unwrap();
    assert_eq!(refunded.refunded, 3092, "round(6183 / 2), not 39.00");
    let tid = sale.transaction_id.clone().unwrap();
    let refund = h.sandbox_events(&tid, "REFUND");
    assert_eq!(refund[0]["amount"].as_i64(), Some(3092));
    // The rest of the line is what is left of it, never more than was paid.
    let rest = one_coffee("d2").await.unwrap();
    assert_eq!(rest.refunded, 6183);

    // The day report counts the discounts of the sales paid in it.
    let r = h
        .kasse
        .day_report(
            now - time::Duration::hours(1),
            now + time::Duration::hours(1),
            false,
            "NOK",
            None,
        )
        .unwrap();
    assert_eq!(r.discounted_sales, 1, "only the captured sale counts");
    assert_eq!(r.discounts, 2170);
}
