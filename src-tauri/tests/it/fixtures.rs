//! The UI's fixtures: scenarios driven through the real commands against the demo simulator,
//! with a fixed clock, UUID-shaped sequential sale ids and a seeded simulator, so that every
//! run answers the same. Each scenario's calls (command, arguments, answer or `{code, message}`
//! error), the `sale-changed` events each step caused and the customer's (or Dintero's) acts
//! are written to `ui/src/lib/fixtures/<scenario>.json`, which the UI's tests and its browser
//! dev mode replay (`ui/src/lib/replay.ts`), so the UI never runs on answers the engine would
//! not give. The test fails when the engine's answers differ from the recorded ones;
//! `UPDATE_FIXTURES=1 cargo test -p kasse --test it fixtures` rewrites them.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use dintero_sandbox::{AsyncOperations, Behaviour, Control, FaultRule, PayOptions, Sandbox};
use kasse_app::dto::SaleChanged;
use kasse_app::secret::MemorySecrets;
use kasse_app::state::AppState;
use kasse_core::clock::{IdSource, ManualClock};
use kasse_core::SaleChange;
use serde_json::{json, Map, Value};
use time::macros::datetime;
use tokio::sync::broadcast;

use crate::harness::{capture_by_hand, settings_input, MockApp};

/// The engine's time at the start of every scenario. In the future: the simulator expires
/// sessions by its own clock, which starts at the real time and is moved to this one.
const START: time::OffsetDateTime = datetime!(2040-11-24 12:00 UTC);
/// Stands for the simulator's address (a free port, so another one at every run).
const SANDBOX_URL: &str = "http://sandbox.invalid";
/// The hash part of a recorded chain head (see `Recorder::normal`).
const HEAD_HASH: &str = "9f86d081884c";
/// The counter's receipt prefix (otherwise made at random for every new log).
const COUNTER: &str = "KDEMO1";
/// A card the simulator approves, and one it declines.
const APPROVED: &str = "4000000000000002";
const DECLINED: &str = "4100000000000076";

/// Sale and operation ids shaped like the UUIDs of the real id source, but sequential.
struct UuidShaped(AtomicU64);

impl IdSource for UuidShaped {
    fn new_id(&self) -> String {
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        format!("f4ce0000-0000-4000-8000-{n:012x}")
    }
}

/// One scenario being recorded.
struct Recorder {
    app: MockApp,
    clock: ManualClock,
    changes: broadcast::Receiver<SaleChange>,
    base_url: String,
    steps: Vec<Value>,
    vars: Map<String, Value>,
    /// Off while a scenario sets up what its recording starts from.
    recording: bool,
    _dir: tempfile::TempDir,
}

impl Recorder {
    fn new() -> Recorder {
        let dir = tempfile::tempdir().unwrap();
        let sandbox =
            tauri::async_runtime::block_on(Sandbox::start(dintero_sandbox::SandboxConfig {
                seed: Some(13),
                ..Default::default()
            }))
            .unwrap();
        let control = sandbox.control();
        control.advance_clock((START - control.now()).unsigned_abs());
        let base_url = sandbox.base_url();
        let clock = ManualClock::new(START);
        let state = tauri::async_runtime::block_on(AppState::open_fixed(
            dir.path(),
            Arc::new(MemorySecrets::default()),
            sandbox,
            COUNTER,
            Arc::new(clock.clone()),
            Arc::new(UuidShaped(AtomicU64::new(1))),
        ))
        .unwrap();
        capture_by_hand(&state);
        let changes = state.kasse().subscribe();
        Recorder {
            app: MockApp::new(Arc::new(state)),
            clock,
            changes,
            base_url,
            steps: vec![],
            vars: Map::new(),
            recording: true,
            _dir: dir,
        }
    }

    /// The simulator's address replaced by [`SANDBOX_URL`] (and a QR drawn for that URL).
    fn normal(&self, v: Value) -> Value {
        let text = serde_json::to_string(&v)
            .unwrap()
            .replace(&self.base_url, SANDBOX_URL);
        let mut v: Value = serde_json::from_str(&text).unwrap();
        if let (Some(url), Some(_)) = (v["url"].as_str(), v.get("qr_svg")) {
            v["qr_svg"] = json!(kasse_core::qr::qr_svg(url).unwrap());
        }
        // The journal's hashes cover the simulator's address, new each run: the head keeps its
        // row and shows a stand-in hash.
        if let Some((seq, _)) = v["journal_head"].as_str().and_then(|h| h.split_once(':')) {
            v["journal_head"] = json!(format!("{seq}:{HEAD_HASH}"));
        }
        v
    }

    /// The `sale-changed` events broadcast so far, as the UI receives them.
    fn drain(&mut self) -> Vec<Value> {
        let mut events = vec![];
        while let Ok(change) = self.changes.try_recv() {
            events.push(self.normal(json!(SaleChanged::from(&change))));
        }
        events
    }

    fn record(&mut self, mut step: Value, events: Vec<Value>) {
        if !events.is_empty() {
            step["events"] = json!(events);
        }
        if self.recording {
            self.steps.push(step);
        }
    }

    /// A call that changes nothing: the UI may make it any number of times until the next
    /// write or act.
    fn read(&mut self, cmd: &str, args: Value) -> Result<Value, Value> {
        self.call(false, cmd, args)
    }

    /// A call that may change something (a write): answered once, in its turn.
    fn write(&mut self, cmd: &str, args: Value) -> Result<Value, Value> {
        self.clock.advance(time::Duration::seconds(1));
        self.call(true, cmd, args)
    }

    fn call(&mut self, barrier: bool, cmd: &str, args: Value) -> Result<Value, Value> {
        let result = self.app.invoke(cmd, args.clone());
        let events = self.drain();
        let mut step = json!({ "call": cmd, "args": args });
        match &result {
            Ok(v) => step["answer"] = self.normal(v.clone()),
            Err(e) => step["error"] = self.normal(e.clone()),
        }
        if barrier {
            step["barrier"] = json!(true);
        }
        self.record(step, events);
        result
    }

    /// Something outside Kasse (the customer, Dintero) does `act` to the sale; recorded with
    /// the events up to the one that shows the sale `until` (its status, or a field's value).
    fn act(&mut self, name: &str, sale_id: &str, until: (&str, Value), act: impl FnOnce(&Control)) {
        self.clock.advance(time::Duration::seconds(5));
        act(&self.app.control());
        let kasse = self.app.state.kasse();
        let mut events = self.drain();
        let reached = |e: &Value| e["sale"]["sale_id"] == sale_id && e["sale"][until.0] == until.1;
        while !events.iter().any(reached) {
            kasse.check_now(sale_id);
            let next = tauri::async_runtime::block_on(async {
                tokio::time::timeout(Duration::from_secs(30), self.changes.recv()).await
            });
            let change = next
                .unwrap_or_else(|_| panic!("{name}: the sale never showed {until:?}: {events:?}"))
                .unwrap();
            events.push(self.normal(json!(SaleChanged::from(&change))));
        }
        // What the engine does on its own after it (e.g. cancelling a declined sale's
        // session) belongs to the act too.
        self.settle(sale_id);
        events.extend(self.drain());
        self.record(json!({ "act": name, "barrier": true }), events);
    }

    /// Waits until no operation on the sale is still being asked for and, once it is no longer
    /// open, the watcher has let go of it.
    fn settle(&self, sale_id: &str) {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let d = self
                .app
                .invoke("sale_detail", json!({ "saleId": sale_id }))
                .unwrap();
            let ops = d["operations"].as_array().unwrap();
            let open = ["creating", "waiting", "paying", "on_hold"]
                .iter()
                .any(|s| d["sale"]["status"] == *s);
            let watched = !open
                && self
                    .app
                    .state
                    .kasse()
                    .followed()
                    .iter()
                    .any(|f| f == sale_id);
            if !watched && !ops.iter().any(|o| o["state"] == "requested") {
                return;
            }
            assert!(std::time::Instant::now() < deadline, "never settled: {d}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn var(&mut self, name: &str, value: &Value) {
        self.vars.insert(name.to_owned(), value.clone());
    }

    /// Compares the recording with `ui/src/lib/fixtures/<name>.json` (or rewrites it).
    fn finish(self, name: &str, about: &str) {
        let fixture = json!({
            "scenario": name,
            "about": about,
            "vars": self.vars,
            "steps": self.steps,
        });
        let text = serde_json::to_string_pretty(&fixture).unwrap() + "\n";
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../ui/src/lib/fixtures")
            .join(format!("{name}.json"));
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == text {
            return;
        }
        if std::env::var("UPDATE_FIXTURES").is_ok_and(|v| v == "1") {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            return;
        }
        panic!(
            "the engine's answers differ from ui/src/lib/fixtures/{name}.json; run `UPDATE_FIXTURES=1 cargo test -p kasse --test it fixtures` and commit the fixtures (and fix the UI if it relied on the old answers)"
        );
    }
}

fn order(lines: Value) -> Value {
    json!({ "order": { "currency": "NOK", "lines": lines } })
}

fn line(description: &str, quantity: &str, unit_price: i64, vat: &str, id: Option<&str>) -> Value {
    json!({ "description": description, "quantity": quantity, "unit_price": unit_price, "vat": vat, "product_id": id })
}

/// Refunds `amount` (`None`: everything left) of the sale, a write.
fn refund(
    r: &mut Recorder,
    sale: &str,
    amount: Option<i64>,
    pin: Option<&str>,
    key: &str,
) -> Result<Value, Value> {
    let input = json!({ "amount": amount, "lines": [], "reason": null, "pin": pin, "key": key });
    r.write("refund", json!({ "saleId": sale, "input": input }))
}

/// The sale's detail, a read.
fn detail(r: &mut Recorder, sale: &str) -> Value {
    r.read("sale_detail", json!({ "saleId": sale })).unwrap()
}

/// The sale's detail and the receipts it offers (the sale's once paid, one per refund that
/// happened) as the receipt screen reads them.
fn detail_and_receipts(r: &mut Recorder, sale: &str) {
    let d = detail(r, sale);
    let paid = [
        "authorized",
        "partially_captured",
        "partially_captured_refunded",
        "captured",
        "partially_refunded",
        "refunded",
    ];
    if paid.iter().any(|s| d["sale"]["status"] == *s) {
        r.read("receipt", json!({ "saleId": sale, "refund": null }))
            .unwrap();
    }
    for op in d["operations"].as_array().into_iter().flatten() {
        if op["kind"] == "refund" && op["applied"] == true {
            r.read("receipt", json!({ "saleId": sale, "refund": op["op_id"] }))
                .unwrap();
        }
    }
}

/// What the UI reads when it starts.
fn start(r: &mut Recorder) {
    for cmd in ["app_info", "settings_get", "parked", "uncaptured"] {
        r.read(cmd, json!({})).unwrap();
    }
}

/// Charges `lines`, returns the sale id and session id.
fn charge(r: &mut Recorder, lines: Value) -> (String, String) {
    let c = r.write("charge", order(lines)).unwrap();
    let id = c["sale_id"].as_str().unwrap().to_owned();
    detail(r, &id);
    (id, c["session_id"].as_str().unwrap().to_owned())
}

fn pay(r: &mut Recorder, name: &str, sale: &str, session: &str, card: &str, status: &str) {
    let session = session.to_owned();
    let card = card.to_owned();
    r.act(name, sale, ("status", json!(status)), move |c| {
        c.pay(&session, &card).unwrap();
    });
    detail(r, sale);
}

#[test]
fn app() {
    let mut r = Recorder::new();
    start(&mut r);
    let e = r
        .read("sale_detail", json!({ "saleId": "no-such-sale" }))
        .unwrap_err();
    assert_eq!(e["code"], "not_found");
    let coffee = |q: &str| line("Coffee", q, 3900, "25", Some("coffee"));
    let bun = line("Cinnamon bun", "3", 4500, "15", Some("bun"));
    let tea = line("Tea", "1", 3500, "25", Some("tea"));
    let typed = line("Amount", "1", 2500, "25", None);
    for lines in [
        json!([coffee("1")]),
        json!([coffee("2")]),
        json!([coffee("2"), bun]),
        json!([coffee("2"), bun, typed]),
        json!([coffee("2"), bun]),
    ] {
        r.read("price_order", order(lines)).unwrap();
    }
    let (sale, session) = charge(&mut r, json!([coffee("2"), bun]));
    r.var("first_sale", &json!(sale));
    let s = session.clone();
    r.act("visit", &sale, ("status", json!("paying")), move |c| {
        c.visit(&s).unwrap()
    });
    detail(&mut r, &sale);
    pay(&mut r, "pay", &sale, &session, APPROVED, "authorized");
    r.read("parked", json!({})).unwrap();
    r.read("price_order", order(json!([tea]))).unwrap();
    let (declined, session) = charge(&mut r, json!([tea]));
    r.var("parked_sale", &json!(declined));
    pay(&mut r, "decline", &declined, &session, DECLINED, "declined");
    r.read("parked", json!({})).unwrap();
    let (again, _) = charge(&mut r, json!([tea]));
    let cancelled = r
        .write("cancel_charge", json!({ "saleId": again }))
        .unwrap();
    assert_eq!(cancelled["status"], "cancelled");
    detail(&mut r, &again);
    r.read("settings_get", json!({})).unwrap();
    r.finish(
        "app",
        "The app from start: a cart priced line by line, charged, visited, paid; a second sale declined while parked, charged again and cancelled.",
    );
}

/// A sale of coffee and a mug, paid with `product` (a card, or Vipps whose operations Dintero
/// accepts and carries out 10 minutes later) and captured, set up without recording.
fn captured(r: &mut Recorder, product: &str) -> String {
    r.recording = false;
    let control = r.app.control();
    if product == "vipps" {
        control
            .set_behaviour(
                Some("vipps"),
                Behaviour {
                    async_operations: Some(AsyncOperations::after(Duration::from_secs(600))),
                    ..Behaviour::default()
                },
            )
            .unwrap();
    }
    let (sale, session) = charge(
        r,
        json!([
            line("Coffee", "2", 3900, "15", Some("coffee")),
            line("Mug", "1", 14900, "25", Some("mug"))
        ]),
    );
    let s = session.clone();
    let pay = move |c: &Control| {
        let options = if product == "vipps" {
            PayOptions {
                payment_product_type: Some("vipps".into()),
                ..PayOptions::default()
            }
        } else {
            PayOptions {
                card: Some(APPROVED.into()),
                ..PayOptions::default()
            }
        };
        c.pay_with(&s, options).unwrap();
    };
    r.act("pay", &sale, ("status", json!("authorized")), pay);
    let d = r
        .write(
            "capture",
            json!({ "saleId": sale, "input": { "amount": null, "key": "capture" } }),
        )
        .unwrap();
    // Vipps may be captured later too: wait until it is.
    if d["sale"]["status"] != "captured" {
        r.act("captured", &sale, ("status", json!("captured")), |c| {
            c.advance_clock(Duration::from_secs(600))
        });
    }
    r.recording = true;
    r.drain();
    r.var("sale", &json!(sale));
    detail(r, &sale);
    sale
}

#[test]
fn refund_whole() {
    let mut r = Recorder::new();
    let sale = captured(&mut r, "visa");
    let d = refund(&mut r, &sale, None, None, "k1").unwrap();
    assert_eq!(d["sale"]["refunded"], 7800 + 14900);
    detail(&mut r, &sale);
    r.finish("refund-whole", "A captured card sale refunded whole.");
}

#[test]
fn refund_twice() {
    let mut r = Recorder::new();
    let sale = captured(&mut r, "visa");
    for key in ["k1", "k2"] {
        refund(&mut r, &sale, Some(1000), None, key).unwrap();
        detail(&mut r, &sale);
    }
    let d = detail(&mut r, &sale);
    assert_eq!(d["sale"]["refunded"], 2000);
    r.finish(
        "refund-twice",
        "A captured card sale refunded 10.00 twice, by two presses.",
    );
}

#[test]
fn refund_pin() {
    let mut r = Recorder::new();
    let sale = captured(&mut r, "visa");
    r.recording = false;
    let input = json!({"name": "Mona", "role": "manager", "new_pin": "2468", "pin": null});
    let s = r.write("staff_set_pin", json!({ "input": input })).unwrap();
    assert!(!s.to_string().contains("2468"));
    r.recording = true;
    detail(&mut r, &sale);
    // Refused at the counter: the key is not used up, nothing is sent.
    for (pin, code) in [(None, "pin_required"), (Some("1111"), "pin_wrong")] {
        let e = refund(&mut r, &sale, Some(1000), pin, "k1").unwrap_err();
        assert_eq!(e["code"], code);
    }
    let d = refund(&mut r, &sale, Some(1000), Some("2468"), "k1").unwrap();
    assert_eq!(d["sale"]["refunded"], 1000);
    detail(&mut r, &sale);
    r.finish(
        "refund-pin",
        "A manager PIN set; a refund asked without a PIN, with a wrong one, then with the right one.",
    );
}

#[test]
fn settings_pin() {
    let mut r = Recorder::new();
    start(&mut r);
    let input = json!({"name": "Mona", "role": "manager", "new_pin": "2468", "pin": null});
    r.write("staff_set_pin", json!({ "input": input })).unwrap();
    let settings = r.read("settings_get", json!({})).unwrap();
    let save = |r: &mut Recorder, pin: Value| {
        let input = settings_input(&settings, json!({ "counter": "BAR2", "pin": pin }));
        r.write("settings_save", json!({ "input": input }))
    };
    assert_eq!(
        save(&mut r, Value::Null).unwrap_err()["code"],
        "pin_required"
    );
    for left in [4, 3, 2, 1] {
        assert_eq!(save(&mut r, json!("1111")).unwrap_err()["tries_left"], left);
    }
    let e = save(&mut r, json!("1111")).unwrap_err();
    assert_eq!(
        (e["code"].clone(), e["locked_seconds"].clone()),
        (json!("pin_locked"), json!(30))
    );
    r.clock.advance(time::Duration::seconds(30));
    let s = save(&mut r, json!("2468")).unwrap();
    assert_eq!(s["counter"], "BAR2");
    let cashier = json!({"name": "Kari", "role": "cashier", "new_pin": "1357", "pin": "2468"});
    let s = r
        .write("staff_set_pin", json!({ "input": cashier }))
        .unwrap();
    assert_eq!(s["staff"].as_array().unwrap().len(), 2);
    r.finish(
        "settings-pin",
        "A manager PIN set; Settings saved without a PIN, with five wrong ones (locked for 30 s), then with the right one; a cashier PIN added.",
    );
}

#[test]
fn refund_lost() {
    let mut r = Recorder::new();
    let sale = captured(&mut r, "visa");
    // The refund happens at Dintero but its answer is cut; once it has arrived (after the
    // read before it), reading the transaction back fails too, until the act below.
    let control = r.app.control();
    let cut = FaultRule {
        cut_body: true,
        latency_ms: Some(2000),
        ..FaultRule::on("POST", "/v1/transactions/*/refund")
    };
    control.set_faults(vec![cut.clone()]);
    let before = control.stats().requests;
    let switch = std::thread::spawn(move || {
        while control.stats().requests < before + 2 {
            std::thread::sleep(Duration::from_millis(5));
        }
        let unreadable = FaultRule {
            method: Some("GET".into()),
            status: Some(503),
            ..FaultRule::default()
        };
        control.set_faults(vec![cut, unreadable]);
    });
    let e = refund(&mut r, &sale, Some(1000), None, "lost").unwrap_err();
    switch.join().unwrap();
    assert_eq!(e["code"], "outcome_unknown", "{e}");
    let d = detail(&mut r, &sale);
    assert_eq!(
        d["operations"].as_array().unwrap().last().unwrap()["state"],
        "unknown"
    );
    r.act("answer-found", &sale, ("refunded", json!(1000)), |c| {
        c.clear_faults()
    });
    detail(&mut r, &sale);
    r.finish(
        "refund-lost",
        "A refund whose answer is lost (outcome unknown); Kasse later finds it done.",
    );
}

#[test]
fn refund_in_flight() {
    let mut r = Recorder::new();
    let sale = captured(&mut r, "vipps");
    let d = refund(&mut r, &sale, None, None, "k1").unwrap();
    let op = d["operations"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(op["state"], "in_flight", "{d}");
    assert_eq!(d["refundable"], 0);
    detail(&mut r, &sale);
    r.act(
        "dintero-completes",
        &sale,
        ("status", json!("refunded")),
        |c| c.advance_clock(Duration::from_secs(600)),
    );
    detail(&mut r, &sale);
    r.finish(
        "refund-in-flight",
        "A Vipps sale refunded whole: Dintero accepts it (202) and carries it out 10 minutes later.",
    );
}

#[test]
fn refund_in_flight_part() {
    let mut r = Recorder::new();
    let sale = captured(&mut r, "vipps");
    let d = refund(&mut r, &sale, Some(7800), None, "k1").unwrap();
    assert_eq!(d["refundable"], 14900);
    detail(&mut r, &sale);
    r.finish(
        "refund-in-flight-part",
        "A Vipps sale of which 78.00 is refunded and still being processed by Dintero.",
    );
}

#[test]
fn sales() {
    let mut r = Recorder::new();
    r.recording = false;
    let coffee = line("Coffee", "2", 3900, "25", Some("coffee"));
    let apples = line("Apples (kg)", "0.375", 3990, "15", Some("apples"));
    let mut paid = vec![];
    for (lines, card) in [
        (json!([coffee, apples]), APPROVED),
        (json!([coffee]), APPROVED),
        (json!([apples]), DECLINED),
    ] {
        let (sale, session) = charge(&mut r, lines);
        let status = if card == APPROVED {
            "authorized"
        } else {
            "declined"
        };
        pay(&mut r, "pay", &sale, &session, card, status);
        paid.push(sale);
    }
    let (open, _) = charge(&mut r, json!([coffee]));
    r.write("cancel_charge", json!({ "saleId": open })).unwrap();
    let (captured, authorized) = (paid[0].clone(), paid[1].clone());
    r.write(
        "capture",
        json!({ "saleId": captured, "input": { "amount": null, "key": "capture" } }),
    )
    .unwrap();
    r.recording = true;
    r.drain();
    r.var("captured", &json!(captured));
    r.var("authorized", &json!(authorized));
    start(&mut r);
    let query = json!({ "search": null, "statuses": [], "from": null, "to": null, "amount_min": null, "amount_max": null, "cursor": null, "limit": 50, "uncaptured": false });
    let page = r.read("list_sales", json!({ "query": query })).unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 4);
    let mut only = query.clone();
    only["statuses"] = json!(["captured"]);
    r.read("list_sales", json!({ "query": only })).unwrap();
    let mut search = query.clone();
    search["search"] = page["items"][0]["merchant_reference"].clone();
    let found = r.read("list_sales", json!({ "query": search })).unwrap();
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    // Capture at payment is off here: the authorisation is flagged for staff.
    let mut left = query.clone();
    left["uncaptured"] = json!(true);
    let flagged = r.read("list_sales", json!({ "query": left })).unwrap();
    assert_eq!(flagged["items"][0]["sale_id"], json!(authorized));
    assert_eq!(flagged["items"][0]["uncaptured"], "not_requested");
    assert_eq!(flagged["items"].as_array().unwrap().len(), 1);
    for id in [&captured, &authorized, &open] {
        detail_and_receipts(&mut r, id);
    }
    let (from, to) = ("2040-11-24T00:00:00Z", "2040-11-25T00:00:00Z");
    let report = r
        .read(
            "day_report",
            json!({ "from": from, "to": to, "closing": false }),
        )
        .unwrap();
    assert_eq!(report["net"], report["captured"]);
    let chosen = json!([{ "line_id": "1", "quantity": "1" }]);
    let preview = r
        .read(
            "refund_preview",
            json!({ "saleId": captured, "lines": chosen }),
        )
        .unwrap();
    assert_eq!(preview, 3900);
    let d = r
        .write(
            "refund",
            json!({ "saleId": captured, "input": { "amount": null, "lines": chosen, "reason": "returned", "pin": null, "key": "by-line" } }),
        )
        .unwrap();
    assert_eq!(d["sale"]["refunded"], 3900);
    detail_and_receipts(&mut r, &captured);
    assert_eq!(d["refunded_quantities"]["1"], "1");
    let d = r
        .write("void_sale", json!({ "saleId": authorized, "key": "void" }))
        .unwrap();
    assert_eq!(d["sale"]["status"], "voided");
    r.read("list_sales", json!({ "query": query })).unwrap();
    let none = r.read("uncaptured", json!({})).unwrap();
    assert_eq!(none, json!([]));
    r.finish(
        "sales",
        "Four sales (captured, authorized, declined, cancelled) listed, filtered, searched and reported; then a line refunded and the authorisation voided.",
    );
}
