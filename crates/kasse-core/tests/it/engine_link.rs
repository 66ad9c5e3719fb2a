//! Phone orders: the checkout link sent by SMS in the create-session POST, against the
//! in-process sandbox. The sandbox records the SMS with the number and the link; the sale is
//! followed as a parked payment until the customer pays through the link; the log keeps the
//! number only masked; a second press of the same button sends nothing.

use super::engine_common;

use engine_common::*;
use kasse_core::link::LinkStatus;
use kasse_core::phone::PhoneNumber;
use kasse_core::sale::{LogEvent, SaleStatus};
use kasse_core::timeline::{entry, TimelineEntry};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_link_sent_by_sms_is_recorded_parked_then_paid_by_the_customer() {
    let h = harness().await;
    let phone = PhoneNumber::parse("412 34 987").unwrap();
    let order = order3();
    let press = || h.kasse.send_link(&order, &phone, None, "press-1");
    let charge = press().await.expect("link sent");
    let link = charge.link.clone().expect("a link");
    assert_eq!(link.to, "+47 ••• •• 987");
    assert_eq!(link.status, LinkStatus::Sent);
    assert_eq!(charge.sale.status, SaleStatus::Waiting);

    // The sandbox would have sent one SMS: to the number in E.164, with the checkout link.
    let published = h.control.published();
    assert_eq!(published.len(), 1, "{published:?}");
    assert_eq!(published[0].channel, "sms");
    assert_eq!(published[0].kind, "checkout-link");
    assert_eq!(published[0].to.as_deref(), Some("+4741234987"));
    assert_eq!(published[0].session_id, charge.session_id);
    assert!(
        charge.url.starts_with(&published[0].url),
        "{} is the link sent, {}",
        charge.url,
        published[0].url
    );

    // Where the link went is read back from the log (the counter's screen after a restart).
    let detail = h.kasse.detail(&charge.sale.id).unwrap();
    assert_eq!(detail.link(), Some(link.clone()));

    // Parked: an open sale the watcher follows, not waiting on the counter.
    let open = h.kasse.store().open_sales().unwrap();
    assert!(open.iter().any(|s| s.id == charge.sale.id));
    assert!(h.kasse.followed().contains(&charge.sale.id));

    // A second press of the same button: the same sale, no second SMS, no second session.
    let again = press().await.expect("same answer");
    assert_eq!(again.sale.id, charge.sale.id);
    assert_eq!(again.session_id, charge.session_id);
    assert_eq!(again.link, charge.link);
    assert_eq!(h.control.published().len(), 1);
    assert_eq!(h.control.sessions().len(), 1);

    // The customer opens the link and pays: the watcher sees it paid.
    h.control.visit(&charge.session_id).unwrap();
    h.control.pay(&charge.session_id, CARD_OK).unwrap();
    let sale = h.wait_status(&charge.sale.id, SaleStatus::Authorized).await;
    h.assert_agrees(&sale);
    assert!(!h
        .kasse
        .store()
        .open_sales()
        .unwrap()
        .iter()
        .any(|s| s.id == sale.id));

    // The history says where the link went, masked; the number is nowhere in the log.
    let events = h.kasse.store().events(&sale.id).unwrap();
    let timeline: Vec<TimelineEntry> = events.iter().map(|e| entry(&e.event, &sale)).collect();
    assert!(
        timeline.contains(&TimelineEntry::LinkSent {
            to: "+47 ••• •• 987".into(),
            status: LinkStatus::Sent
        }),
        "{timeline:?}"
    );
    for e in &events {
        let json = serde_json::to_string(&e.event).unwrap();
        assert!(!json.contains("41234987"), "{json}");
        if let LogEvent::StatusObserved { snapshot, .. } = &e.event {
            if let Some(customer) = snapshot.get("customer") {
                assert_eq!(customer["phone_number"], "+47 ••• •• 987");
            }
        }
    }
    // A sale charged at the counter sent no link.
    let counter = h.kasse.charge(&order3()).await.unwrap();
    assert_eq!(h.kasse.detail(&counter.sale.id).unwrap().link(), None);
    h.assert_sound();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_press_sends_a_new_link_and_a_refused_number_sends_nothing() {
    let h = harness().await;
    let first = PhoneNumber::parse("+46 70 123 45 67").unwrap();
    let order = order_of(5000);
    let press = |key| h.kasse.send_link(&order, &first, None, key);
    let a = press("a").await.unwrap();
    let b = press("b").await.unwrap();
    assert_ne!(a.sale.id, b.sale.id, "another press is another link");
    assert_eq!(a.link.as_ref().unwrap().to, "+46 •••••• 567");
    assert_eq!(h.control.published().len(), 2);
    assert_eq!(h.control.published()[1].to.as_deref(), Some("+46701234567"));
    let err = press(" ").await.unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    assert_eq!(h.control.published().len(), 2);
}
