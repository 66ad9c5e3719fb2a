//! Sessions: create, read, visit, cancel, expiry on the simulated clock, auto-capture, and the
//! session's state as its transaction moves.

use super::*;

#[tokio::test]
async fn session_create_read_visit_cancel() {
    let env = Env::start().await;
    let request = session_request(24800);
    let created = env.client.create_session(&request).await.unwrap();
    assert!(
        created.id.starts_with(&format!("{ACCOUNT}.")),
        "{created:?}"
    );
    assert_eq!(created.url, format!("{}/v1/view/{}", env.base, created.id));
    assert!(created.session.is_none());

    let session = env.client.get_session(&created.id).await.unwrap();
    assert_eq!(session.id, created.id);
    assert_eq!(session.order.amount, 24800);
    assert_eq!(session.order.currency, "NOK");
    assert_eq!(
        session.order.merchant_reference,
        request.order.merchant_reference
    );
    let line_amounts: Vec<_> = session.order.items.iter().map(|i| i.amount).collect();
    let sent: Vec<_> = request.order.items.iter().map(|i| i.amount).collect();
    assert_eq!(line_amounts, sent);
    assert_eq!(session.url.as_ref().unwrap().return_url, RETURN_URL);
    assert!(session.transaction_id.is_none());
    assert!(session.expires_at.is_some(), "a session expires (24 h)");
    // The client's Dintero-System-* headers were recorded by the sandbox.
    let headers = session.initiating_system_request_headers.clone().unwrap();
    assert_eq!(headers["dintero-system-name"], "kasse");
    assert_eq!(headers["dintero-system-plugin-name"], "dintero-client-rs");
    assert_eq!(session.state(None, env.control.now()), SessionState::Open);
    assert!(!session.visited());

    let with_includes = env
        .client
        .get_session_with(
            &created.id,
            &[
                SessionInclude::EventsRequestHeaders,
                SessionInclude::InitiatingSystemRequestHeaders,
            ],
        )
        .await
        .unwrap();
    assert_eq!(with_includes.id, created.id);

    env.control.visit(&created.id).unwrap();
    assert!(env.client.get_session(&created.id).await.unwrap().visited());

    let cancelled = env.client.cancel_session(&created.id).await.unwrap();
    let cancelled_at = cancelled.cancelled_at.expect("cancelled_at");
    assert_eq!(cancelled.cancelled_by.as_deref(), Some(CLIENT_ID));
    assert_eq!(
        cancelled.state(None, env.control.now()),
        SessionState::Cancelled
    );
    // Idempotent: a second cancel answers 200 with the same cancelled_at.
    let again = env.client.cancel_session(&created.id).await.unwrap();
    assert_eq!(again.cancelled_at, Some(cancelled_at));
    // A cancelled session cannot be paid.
    let refused = env.control.pay(&created.id, OK_CARD).unwrap_err();
    assert_eq!(refused.code, "invalid_state");

    // include_session returns the whole session with the answer.
    let request = session_request(1000);
    let created = env
        .client
        .create_session_with(&request, WITH_SESSION)
        .await
        .unwrap();
    let session = created.session.expect("include_session=true");
    assert_eq!(session.id, created.id);
    assert_eq!(session.order.amount, 1000);
}

#[tokio::test]
async fn session_expiry_on_the_sim_clock() {
    let env = Env::start().await;
    let mut request = session_request(5000);
    request.expires_at = Some(env.control.now() + Duration::from_secs(15 * 60));
    let id = env.client.create_session(&request).await.unwrap().id;
    let session = env.client.get_session(&id).await.unwrap();
    assert_eq!(session.state(None, env.control.now()), SessionState::Open);

    env.control.advance_clock(Duration::from_secs(16 * 60));
    // Still readable (200), now expired; the token (4 h) is still valid.
    let session = env.client.get_session(&id).await.unwrap();
    assert_eq!(
        session.state(None, env.control.now()),
        SessionState::Expired
    );
    let refused = env.control.pay(&id, OK_CARD).unwrap_err();
    assert_eq!(refused.code, "invalid_state");
}

#[tokio::test]
async fn session_with_auto_capture_is_captured_at_payment() {
    let env = Env::start().await;
    let mut request = session_request(7300);
    request.configuration = Some(Configuration {
        auto_capture: Some(true),
        ..Configuration::default()
    });
    let id = env.client.create_session(&request).await.unwrap().id;
    let tid = env.control.pay(&id, OK_CARD).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let tx = env.client.get_transaction(&tid).await.unwrap();
    assert_eq!(tx.status, S::Captured);
    assert_eq!(tx.captured(), 7300);
    assert_consistent(&tx);
    let session = env.client.get_session(&id).await.unwrap();
    assert_eq!(session.transaction_id.as_deref(), Some(tid.as_str()));
    assert_eq!(
        session.state(Some(&tx), env.control.now()),
        SessionState::Paid
    );
}

#[tokio::test]
async fn session_state_follows_the_transaction() {
    let env = Env::start().await;
    let state = |session_id: String| {
        let env = &env;
        async move {
            let session = env.client.get_session(&session_id).await.unwrap();
            let tx = match &session.transaction_id {
                Some(tid) => Some(env.client.get_transaction(tid).await.unwrap()),
                None => None,
            };
            session.state(tx.as_ref(), env.control.now())
        }
    };
    let open = env.session(1000).await;
    assert_eq!(state(open.clone()).await, SessionState::Open);

    let paying = env.session(1000).await;
    let options = PayOptions {
        initiate_only: true,
        ..PayOptions::default()
    };
    env.control.pay_with(&paying, options).unwrap();
    assert_eq!(state(paying.clone()).await, SessionState::InProgress);
    // The customer finishes paying on the same transaction.
    env.control.pay(&paying, OK_CARD).unwrap();
    assert_eq!(state(paying).await, SessionState::Paid);

    let held = env.session(1000).await;
    let options = PayOptions {
        card: Some(OK_CARD.to_owned()),
        on_hold: true,
        ..PayOptions::default()
    };
    let tid = env.control.pay_with(&held, options).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(state(held.clone()).await, SessionState::Pending);
    let tx = env.client.get_transaction(&tid).await.unwrap();
    assert_eq!(tx.status, S::OnHold);
    env.control.resolve_on_hold(&tid, true).unwrap();
    assert_eq!(state(held).await, SessionState::Paid);

    for (card, status) in [
        ("4100000000000076", S::Declined),
        ("4000300000000006", S::Failed),
        ("4100000000000001", S::Failed),
    ] {
        let (session_id, tid) = env.paid(1000, card).await;
        assert_eq!(
            env.client.get_transaction(&tid).await.unwrap().status,
            status
        );
        assert_eq!(
            state(session_id.clone()).await,
            SessionState::NotPaid,
            "{card}"
        );
        // A session whose payment failed cannot be paid again.
        assert_eq!(
            env.control.pay(&session_id, OK_CARD).unwrap_err().code,
            "invalid_state"
        );
    }

    let (captured, tid) = env.authorized(1000).await;
    env.capture(&tid, 1000, "all").await.unwrap();
    assert_eq!(state(captured).await, SessionState::Paid);
    let (voided, tid) = env.authorized(1000).await;
    env.client.void(&tid).await.unwrap();
    assert_eq!(state(voided).await, SessionState::NotPaid);
    let (cancelled, _) = env.authorized(1000).await;
    env.client.cancel_session(&cancelled).await.unwrap();
    assert_eq!(state(cancelled).await, SessionState::Cancelled);
}
