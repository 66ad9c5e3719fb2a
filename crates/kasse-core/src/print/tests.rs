//! The worked example of `receipt/tests.rs` printed: sent to a fake network printer (a TCP
//! listener that reads what it gets as a printer would), and saved as PDF.

use std::io::Read;
use std::net::TcpListener;

use time::UtcOffset;

use super::*;
use crate::engine::SaleDetail;
use crate::receipt::{for_sale, tests as example};

/// A network printer on a free local port: every connection's bytes, decoded.
pub(crate) struct FakePrinter {
    listener: TcpListener,
}

impl FakePrinter {
    pub(crate) fn start() -> FakePrinter {
        FakePrinter {
            listener: TcpListener::bind("127.0.0.1:0").unwrap(),
        }
    }

    pub(crate) fn url(&self) -> PrinterUrl {
        format!("tcp://{}", self.listener.local_addr().unwrap())
            .parse()
            .unwrap()
    }

    /// What `send` printed on a new printer.
    pub(crate) fn printed(send: impl FnOnce(&PrinterUrl) + Send) -> escpos::Decoded {
        FakePrinter::start().print(send)
    }

    /// What `send` printed on this printer.
    pub(crate) fn print(&self, send: impl FnOnce(&PrinterUrl) + Send) -> escpos::Decoded {
        std::thread::scope(|s| {
            let job = s.spawn(|| self.job());
            send(&self.url());
            job.join().unwrap()
        })
    }

    /// The next job, read until the sender closes.
    pub(crate) fn job(&self) -> escpos::Decoded {
        let (mut conn, _) = self.listener.accept().unwrap();
        let mut bytes = Vec::new();
        conn.read_to_end(&mut bytes).unwrap();
        escpos::decode(&bytes).unwrap()
    }
}

fn shop() -> Shop {
    ReceiptSettings {
        shop_name: "Bakeriet på Hjørnet".into(),
        shop_address: "Storgata 1\n0155 Oslo".into(),
        org_number: "923 609 016".into(),
        ..ReceiptSettings::default()
    }
    .shop()
}

fn receipt(refund: Option<&str>) -> Receipt {
    let (sale, events) = example::journal(usize::MAX);
    let detail = SaleDetail {
        sale,
        order: Some(example::order()),
        events,
    };
    for_sale(&detail, refund, &shop(), "Disk 1").unwrap()
}

fn options(width: PaperWidth) -> PrintOptions {
    PrintOptions {
        width,
        language: Language::Nb,
        offset: UtcOffset::from_hms(1, 0, 0).unwrap(),
    }
}

#[test]
fn a_sale_receipt_reaches_the_printer_with_its_figures() {
    let sent = FakePrinter::printed(|url| {
        print(&receipt(None), url, &options(PaperWidth::Mm58)).unwrap();
    });
    assert!(sent.initialised, "ESC @ first");
    assert_eq!(sent.code_page, Some(escpos::CODE_PAGE_865));
    assert!(sent.cut, "GS V last");
    for line in &sent.lines {
        assert!(line.text.chars().count() <= 32, "{:?}", line.text);
    }
    let name = sent.line_with("Bakeriet").unwrap();
    assert_eq!(name.text, "Bakeriet på Hjørnet");
    assert!(name.tall && name.bold && name.centred);
    assert!(sent.line_with("Org.nr 923 609 016 MVA").is_some());
    assert!(sent.line_with("0155 Oslo").is_some());
    let texts = sent.texts();
    let at = |needle: &str| {
        texts
            .iter()
            .position(|t| t.contains(needle))
            .unwrap_or_else(|| panic!("{needle:?} not in {texts:#?}"))
    };
    assert_eq!(texts[at("KVITTERING")].trim(), "KVITTERING");
    assert!(texts[at("Kvitteringsnr.")].ends_with("K1-20261207-0001"));
    // Paid at 10:02 UTC, 11:02 in Oslo.
    assert!(texts[at("Dato")].ends_with("07.12.2026 11:02"));
    assert!(texts[at("Kasse")].ends_with("Disk 1 (K1)"));
    assert_eq!(
        texts[at("Kaffe") + 1],
        format!("  2 x 39,00{}78,00", " ".repeat(16))
    );
    assert!(texts[at("Bolle") + 1].ends_with("75,00"));
    let total = sent.line_with("TOTALT NOK").unwrap();
    assert!(total.text.ends_with("153,00") && total.tall && total.bold);
    assert!(texts[at("15 %")].ends_with("65,22    9,78   75,00"));
    assert!(texts[at("25 %")].ends_with("62,40   15,60   78,00"));
    assert!(texts[at("Betalt med")].ends_with("Visa **** 0002"));
    assert!(texts.contains(&"Takk for handelen!"));
    assert_eq!(sent.qr, ["K1-20261207-0001"]);
    // Nobody signs a sale.
    assert!(sent.line_with("Betjent av").is_none());
}

#[test]
fn a_refund_receipt_reaches_the_printer_signed_with_its_reason() {
    let sent = FakePrinter::printed(|url| {
        // Named by its number, as on the command line.
        print(&receipt(Some("1")), url, &options(PaperWidth::Mm80)).unwrap();
    });
    assert!(sent.initialised && sent.cut);
    for line in &sent.lines {
        assert!(line.text.chars().count() <= 48, "{:?}", line.text);
    }
    let texts = sent.texts();
    assert!(texts.iter().any(|t| t.trim() == "RETUR"));
    assert!(sent.says("Kvitteringsnr.", "K1-20261207-0001-R1"));
    assert!(sent.says("Retur av", "K1-20261207-0001"));
    // Its own time: done at 11:00 UTC.
    assert!(sent.says("Dato", "07.12.2026 12:00"));
    assert!(sent.says("Betjent av", "Mona"));
    assert_eq!(sent.line_with("Årsak").unwrap().text, "Årsak: Knust kopp");
    let total = sent.line_with("TILBAKEBETALT NOK").unwrap();
    assert!(total.text.ends_with("-39,00") && total.tall);
    assert!(sent.says("25 %", "-31,20       -7,80      -39,00"));
    assert!(sent.says("Tilbakebetalt til", "Visa **** 0002"));
    assert_eq!(sent.qr, ["K1-20261207-0001-R1"]);
    assert!(sent.line_with("Takk").is_none());
}

#[test]
fn the_test_page_shows_the_paper_and_the_letters() {
    let sent = FakePrinter::printed(|url| {
        print_test_page(&shop(), url, &options(PaperWidth::Mm58)).unwrap();
    });
    assert!(sent.initialised && sent.cut);
    assert!(sent.line_with("TESTSIDE").is_some());
    assert!(sent.line_with("58 mm, 32").is_some());
    assert!(sent.line_with("æøå ÆØÅ").is_some());
    assert_eq!(sent.qr.len(), 1);
}

#[test]
fn a_pdf_is_a_valid_file_with_the_receipts_text() {
    let bytes = pdf(&receipt(Some("op2")), &options(PaperWidth::Mm58));
    let doc = lopdf::Document::load_mem(&bytes).expect("a PDF lopdf reads");
    let pages = doc.get_pages();
    assert_eq!(pages.len(), 1);
    let text = doc.extract_text(&[1]).unwrap();
    for needle in [
        "Bakeriet på Hjørnet",
        "Org.nr 923 609 016 MVA",
        "RETUR",
        "K1-20261207-0001-R2",
        "TILBAKEBETALT NOK",
        "-64,00",
        "Tilbakebetalt til",
    ] {
        assert!(text.contains(needle), "{needle:?} not in {text}");
    }
    // The second refund needed no PIN: nobody is named.
    assert!(!text.contains("Betjent av"), "{text}");
}

#[test]
fn receipt_settings_name_the_field_at_fault() {
    let ok = ReceiptSettings {
        org_number: "NO 923 609 016 MVA".into(),
        printer: "tcp://10.0.0.9".into(),
        ..ReceiptSettings::default()
    };
    ok.validate().unwrap();
    assert_eq!(ok.shop().org_number.as_deref(), Some("923609016"));
    assert_eq!(
        ok.printer_url(),
        Ok(PrinterUrl::Tcp {
            host: "10.0.0.9".into(),
            port: 9100
        })
    );
    let field = |r: ReceiptSettings| r.validate().unwrap_err().field();
    let err = field(ReceiptSettings {
        org_number: "923609017".into(),
        ..ReceiptSettings::default()
    });
    assert_eq!(err.as_deref(), Some("receipt.org_number"));
    assert_eq!(
        field(ReceiptSettings {
            printer: "http://printer".into(),
            ..ReceiptSettings::default()
        })
        .as_deref(),
        Some("receipt.printer")
    );
    assert_eq!(
        field(ReceiptSettings {
            shop_address: "1\n2\n3\n4\n5".into(),
            ..ReceiptSettings::default()
        })
        .as_deref(),
        Some("receipt.shop_address")
    );
    assert_eq!(
        ReceiptSettings::default().printer_url(),
        Err(PrintError::NoPrinter)
    );
    // The whole Settings is refused for it.
    let mut s = crate::settings::Settings::default();
    s.receipt.org_number = "12345678".into();
    assert_eq!(
        s.validate().unwrap_err().field().as_deref(),
        Some("receipt.org_number")
    );
    // Older settings without the section read as the default.
    let old: crate::settings::Settings = serde_json::from_str(r#"{"counter":"K1"}"#).unwrap();
    assert_eq!(old.receipt, ReceiptSettings::default());
    assert_eq!(ReceiptSettings::default().paper_width, PaperWidth::Mm80);
}

#[test]
fn no_secret_reaches_a_receipt() {
    // The receipt is built from the sale's log and the settings, which hold no secret; the
    // card shows its last four digits only.
    let r = receipt(None);
    let printed: String = escpos::decode(&escpos(&r, &options(PaperWidth::Mm80)))
        .unwrap()
        .texts()
        .join("\n");
    assert!(printed.contains("**** 0002"));
    assert!(!printed.contains("400000"), "{printed}");
}
