//! Start, base URL, shutdown and drop.

use dintero_sandbox::{Sandbox, SandboxConfig};

#[tokio::test]
async fn start_binds_a_free_port_and_shutdown_stops_serving() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let port = sandbox.local_addr().port();
    assert_ne!(port, 0);
    assert_eq!(sandbox.base_url(), format!("http://127.0.0.1:{port}"));
    let http = crate::common::client();
    let url = format!("{}/_sim/stats", sandbox.base_url());
    let answered = http.get(&url).send().await.unwrap().status();
    assert_eq!(answered, 401, "served, and refused without a token");
    sandbox.shutdown().await;
    assert!(crate::common::client().get(&url).send().await.is_err());

    let dropped = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let url = format!("{}/_sim/stats", dropped.base_url());
    drop(dropped);
    tokio::task::yield_now().await;
    assert!(crate::common::client().get(&url).send().await.is_err());
}

#[tokio::test]
async fn binding_a_taken_port_is_an_error() {
    let first = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let err = Sandbox::start(SandboxConfig {
        listen: first.local_addr(),
        ..SandboxConfig::default()
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("cannot listen on"), "{err}");
}
