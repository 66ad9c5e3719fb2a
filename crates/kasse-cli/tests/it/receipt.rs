//! `kasse-cli receipt print|pdf`: a sale's receipt and a refund's, sent to a fake network
//! printer (a TCP listener that decodes the ESC/POS it gets) and saved as PDF; a printer
//! that is not there is a `printer` error that costs the sale nothing.

use std::io::Read;
use std::net::TcpListener;

use kasse_core::print::escpos::{decode, Decoded};

use crate::common::*;

/// Runs `args` (with `--printer tcp://…` of a fresh listener appended) and decodes the job.
fn printed(w: &World, args: &[&str]) -> (Decoded, serde_json::Value) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("tcp://{}", listener.local_addr().unwrap());
    let job = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut bytes = Vec::new();
        conn.read_to_end(&mut bytes).unwrap();
        bytes
    });
    let mut all = args.to_vec();
    all.extend(["--printer", &url]);
    let line = w.run(&all).one();
    assert_eq!(line["printer"], url.as_str());
    (decode(&job.join().unwrap()).unwrap(), line)
}

#[test]
fn a_sale_and_its_refund_print_and_save_as_pdf() {
    let w = World::new();
    let (c, _) = w.paid_sale();
    let reference = c["merchant_reference"].as_str().unwrap();
    w.run(&["--json", "capture", reference]).one();
    w.run(&[
        "--json",
        "refund",
        reference,
        "--line",
        "2:1",
        "--reason",
        "Knust bolle",
    ])
    .one();

    let (sale, line) = printed(
        &w,
        &["--json", "receipt", "print", reference, "--width", "58"],
    );
    assert_eq!(line["printed"], reference);
    assert_eq!(line["width"], 58);
    assert!(sale.initialised && sale.cut, "{sale:#?}");
    assert!(sale.lines.iter().all(|l| l.text.chars().count() <= 32));
    assert!(sale.line_with("RECEIPT").is_some(), "{sale:#?}");
    assert!(sale.says("Receipt no.", reference));
    assert!(sale.line_with("Coffee").is_some());
    let total = sale.line_with("TOTAL NOK").unwrap();
    assert!(total.text.ends_with("103.00") && total.tall, "{total:?}");
    assert!(sale.line_with("Paid with").is_some(), "{sale:#?}");
    assert_eq!(sale.qr, [reference]);

    let (refund, line) = printed(
        &w,
        &[
            "--json", "receipt", "print", reference, "--refund", "1", "--width", "80",
        ],
    );
    let number = format!("{reference}-R1");
    assert_eq!(line["printed"], number.as_str());
    assert!(refund.lines.iter().all(|l| l.text.chars().count() <= 48));
    assert!(refund.line_with("REFUND").is_some(), "{refund:#?}");
    assert!(refund.says("Refund of", reference));
    assert_eq!(
        refund.line_with("Reason").unwrap().text,
        "Reason: Knust bolle"
    );
    assert!(refund.says("REFUNDED NOK", "-25.00"));
    assert!(refund.says("15 %", "-3.26      -25.00"));
    assert_eq!(refund.qr, [number.as_str()]);

    let pdf = w.data_dir().join("r1.pdf");
    let line = w
        .run(&[
            "--json",
            "receipt",
            "pdf",
            reference,
            "--refund",
            "1",
            "--out",
            path_str(&pdf),
        ])
        .one();
    assert_eq!(line["receipt"], number.as_str());
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-1.4") && bytes.ends_with(b"%%EOF\n"));
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains(&format!("({number})")), "the number is drawn");
    assert!(text.contains("(Reason: Knust bolle)"));
}

#[test]
fn a_printer_that_is_not_there_is_a_printer_error_and_the_sale_stays() {
    let w = World::new();
    let (c, _) = w.paid_sale();
    let reference = c["merchant_reference"].as_str().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let printer = format!("tcp://127.0.0.1:{port}");
    let print_on = |printer: &str| {
        w.run(&[
            "--json",
            "receipt",
            "print",
            reference,
            "--printer",
            printer,
        ])
    };
    print_on(&printer).refused_naming("printer", "usually 9100");
    print_on("http://x").refused_naming("printer", "not a printer address");
    // No printer in Settings and none given.
    w.run(&["--json", "receipt", "print", reference])
        .refused_naming("printer", "Settings");
    // A sale not paid has no receipt.
    let unpaid = w.charge();
    w.run(&[
        "--json",
        "receipt",
        "pdf",
        unpaid["merchant_reference"].as_str().unwrap(),
        "--out",
        path_str(&w.data_dir().join("x.pdf")),
    ])
    .refused("invalid_state");
    let shown = w.run(&["--json", "show", reference]).one();
    assert_eq!(shown["status"], "authorized");
}
