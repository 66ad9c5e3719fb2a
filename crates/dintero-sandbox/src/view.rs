//! The hosted test checkout page (HTML): a stand-in for Dintero's checkout that a person can
//! use in a browser. Plain forms, inline CSS, no external resources, and no scripts unless it is
//! embedded by Dintero's Web SDK (then the caller ends it with `crate::embed`'s messages). It speaks the
//! language the view URL asks for (`?language=no|sv|en`, as Dintero's view endpoint takes it,
//! dintero-api.md §5.5), English otherwise; its forms carry the language (and the embed) on.

use std::fmt::Write as _;

use serde_json::Value;

use crate::cards::TEST_CARDS;
use crate::clock::{format_millis, Millis};
use crate::config::MERCHANT_NAME;
use crate::machine::Status;
use crate::store::{return_location, Store};

/// Where the session stands, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PageState {
    Open,
    /// A transaction is INITIATED (someone is paying): paying here completes it.
    Paying,
    /// ON_HOLD: awaiting the payment provider's review.
    OnHold {
        transaction_id: String,
        continue_url: String,
    },
    Paid {
        status: Status,
        transaction_id: String,
        continue_url: String,
    },
    Failed {
        status: Status,
        /// `error` of the return URL: `failed` or `authorization`.
        error: &'static str,
        continue_url: String,
    },
    Cancelled,
    Expired,
}

/// The page's language: `language` of the view URL (ISO 639-1; `nb`/`nn` are Norwegian too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Lang {
    #[default]
    En,
    No,
    Sv,
}

impl Lang {
    /// The `language` query parameter of `query`; English when absent or unknown.
    pub(crate) fn from_query(query: Option<&str>) -> Lang {
        let asked = url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .find(|(k, _)| k == "language")
            .map(|(_, v)| v.to_ascii_lowercase());
        match asked
            .as_deref()
            .map(|v| v.split(['-', '_']).next().unwrap_or(""))
        {
            Some("no" | "nb" | "nn") => Lang::No,
            Some("sv") => Lang::Sv,
            _ => Lang::En,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::No => "no",
            Lang::Sv => "sv",
        }
    }

    /// `?language=…` for the page's own forms (nothing for English), with `embed=1` when the
    /// page is in the Web SDK's iframe.
    fn query(self, embed: bool) -> String {
        match (self, embed) {
            (Lang::En, false) => String::new(),
            (Lang::En, true) => "?embed=1".into(),
            (l, false) => format!("?language={}", l.code()),
            (l, true) => format!("?language={}&embed=1", l.code()),
        }
    }

    /// The decimal separator the language writes amounts with (`248,00 NOK` in Norwegian
    /// and Swedish, `248.00 NOK` in English).
    fn decimal(self) -> char {
        match self {
            Lang::En => '.',
            Lang::No | Lang::Sv => ',',
        }
    }

    fn words(self) -> &'static Words {
        match self {
            Lang::En => &EN,
            Lang::No => &NO,
            Lang::Sv => &SV,
        }
    }
}

/// The page's words in one language (`{}` is filled in where a sentence has one).
struct Words {
    title: &'static str,
    banner: &'static str,
    order: &'static str,
    session: &'static str,
    total: &'static str,
    of_which_vat: &'static str,
    paying: &'static str,
    card_number: &'static str,
    card_hint: &'static str,
    pay: &'static str,
    cancel: &'static str,
    or_test_card: &'static str,
    expires_at: &'static str,
    paid: &'static str,
    back: &'static str,
    failed: &'static str,
    on_hold: &'static str,
    cancelled: &'static str,
    expired: &'static str,
}

const EN: Words = Words {
    title: "Dintero sandbox checkout",
    banner: "TEST / sandbox: no real money is moved. Use a test card.",
    order: "Order",
    session: "session",
    total: "Total",
    of_which_vat: "of which VAT",
    paying: "A payment has been started for this order.",
    card_number: "Test card number",
    card_hint: "Any future expiry date and any CVC are accepted in the sandbox.",
    pay: "Pay",
    cancel: "Cancel payment",
    or_test_card: "Or pay with one of the test cards",
    expires_at: "This checkout expires at {}.",
    paid: "This order is paid (status {}).",
    back: "Back to the shop",
    failed: "The payment did not go through (status {}).",
    on_hold: "The payment is on hold, awaiting approval.",
    cancelled: "This payment was cancelled by the shop. It can no longer be paid.",
    expired: "This checkout has expired ({}). It can no longer be paid.",
};

const NO: Words = Words {
    title: "Dintero testbetaling",
    banner: "TEST / sandkasse: ingen ekte penger flyttes. Bruk et testkort.",
    order: "Ordre",
    session: "økt",
    total: "Totalt",
    of_which_vat: "herav mva.",
    paying: "En betaling er startet for denne ordren.",
    card_number: "Testkortnummer",
    card_hint: "Enhver fremtidig utløpsdato og enhver CVC godtas i sandkassen.",
    pay: "Betal",
    cancel: "Avbryt betalingen",
    or_test_card: "Eller betal med et av testkortene",
    expires_at: "Denne betalingen utløper {}.",
    paid: "Denne ordren er betalt (status {}).",
    back: "Tilbake til butikken",
    failed: "Betalingen gikk ikke gjennom (status {}).",
    on_hold: "Betalingen er satt på vent og venter på godkjenning.",
    cancelled: "Denne betalingen ble avbrutt av butikken. Den kan ikke lenger betales.",
    expired: "Denne betalingen har utløpt ({}). Den kan ikke lenger betales.",
};

const SV: Words = Words {
    title: "Dintero testbetalning",
    banner: "TEST / sandlåda: inga riktiga pengar flyttas. Använd ett testkort.",
    order: "Order",
    session: "session",
    total: "Totalt",
    of_which_vat: "varav moms",
    paying: "En betalning har påbörjats för den här ordern.",
    card_number: "Testkortnummer",
    card_hint: "Alla framtida utgångsdatum och alla CVC godtas i sandlådan.",
    pay: "Betala",
    cancel: "Avbryt betalningen",
    or_test_card: "Eller betala med ett av testkorten",
    expires_at: "Den här betalningen går ut {}.",
    paid: "Den här ordern är betald (status {}).",
    back: "Tillbaka till butiken",
    failed: "Betalningen gick inte igenom (status {}).",
    on_hold: "Betalningen är pausad och väntar på godkännande.",
    cancelled: "Den här betalningen avbröts av butiken. Den kan inte längre betalas.",
    expired: "Den här betalningen har gått ut ({}). Den kan inte längre betalas.",
};

/// `template` with its `{}` replaced by `value` (already escaped).
fn fill(template: &str, value: &str) -> String {
    escape(template).replacen("{}", value, 1)
}

#[derive(Debug)]
pub(crate) struct Line {
    description: String,
    quantity: String,
    amount: i64,
}

/// What the page needs, copied out of the store so rendering happens without the lock.
#[derive(Debug)]
pub(crate) struct PageData {
    pub(crate) id: String,
    pub(crate) merchant_reference: String,
    currency: String,
    amount: i64,
    vat_amount: Option<i64>,
    lines: Vec<Line>,
    expires_at: String,
    /// Where a customer who cancels is sent (`return_url` with `error=cancelled`).
    pub(crate) cancel_url: String,
    pub state: PageState,
    pub show_banner: bool,
    pub message: Option<String>,
    pub lang: Lang,
    /// In the Web SDK's iframe: the page posts the SDK's messages to its parent.
    pub embed: bool,
}

pub(crate) fn page_data(store: &Store, id: &str, now: Millis) -> Option<PageData> {
    let s = store.session(id)?;
    let tx = s
        .transaction_id
        .as_deref()
        .and_then(|t| store.transaction(t));
    let state = if s.cancelled_at.is_some() {
        PageState::Cancelled
    } else if let Some(tx) = tx {
        // Where a payment (paid or on hold) sends the customer back.
        let paid_url = return_location(&s.return_url, &s.merchant_reference, Some(&tx.id), None);
        match tx.status {
            Status::Initiated => PageState::Paying,
            Status::OnHold => PageState::OnHold {
                transaction_id: tx.id.clone(),
                continue_url: paid_url,
            },
            Status::Failed | Status::Declined | Status::Unknown | Status::AuthorizationVoided => {
                // What the return URL said, else (a status reached otherwise) from the status.
                let error = tx
                    .sim
                    .payment_error
                    .unwrap_or(if tx.status == Status::Failed {
                        "failed"
                    } else {
                        "authorization"
                    });
                PageState::Failed {
                    status: tx.status,
                    error,
                    continue_url: return_location(
                        &s.return_url,
                        &s.merchant_reference,
                        None,
                        Some(error),
                    ),
                }
            }
            st => PageState::Paid {
                status: st,
                transaction_id: tx.id.clone(),
                continue_url: paid_url,
            },
        }
    } else if s.is_expired(now) {
        PageState::Expired
    } else {
        PageState::Open
    };
    let order = s.order.as_object();
    let lines = order
        .and_then(|o| o.get("items"))
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|it| Line {
                    description: it
                        .get("description")
                        .and_then(Value::as_str)
                        .or_else(|| it.get("id").and_then(Value::as_str))
                        .or_else(|| it.get("line_id").and_then(Value::as_str))
                        .unwrap_or("Item")
                        .to_owned(),
                    quantity: it
                        .get("quantity")
                        .map(|q| q.to_string())
                        .unwrap_or_else(|| "1".to_owned()),
                    amount: it.get("amount").and_then(Value::as_i64).unwrap_or(0),
                })
                .collect()
        })
        .unwrap_or_default();
    Some(PageData {
        id: s.id.clone(),
        merchant_reference: s.merchant_reference.clone(),
        currency: s.currency.clone(),
        amount: s.amount,
        vat_amount: order
            .and_then(|o| o.get("vat_amount"))
            .and_then(Value::as_i64),
        lines,
        expires_at: format_millis(s.expires_at),
        cancel_url: return_location(
            &s.return_url,
            &s.merchant_reference,
            None,
            Some("cancelled"),
        ),
        state,
        show_banner: true,
        message: None,
        lang: Lang::En,
        embed: false,
    })
}

/// Escape text for HTML content and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `24800` NOK → `248.00 NOK` in English, `248,00 NOK` in Norwegian and Swedish, with
/// no-break grouping: `1 234.50 NOK`.
pub(crate) fn format_amount(minor: i64, currency: &str, lang: Lang) -> String {
    let decimals = match currency {
        "JPY" | "KRW" | "ISK" | "CLP" | "VND" | "UGX" | "XAF" | "XOF" => 0,
        "BHD" | "KWD" | "OMR" | "JOD" | "TND" => 3,
        _ => 2,
    };
    let neg = minor < 0;
    let abs = minor.unsigned_abs();
    let factor = 10u64.pow(decimals);
    let (units, frac) = (abs / factor, abs % factor);
    let digits = units.to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push('\u{a0}');
        }
        grouped.push(ch);
    }
    let sign = if neg { "-" } else { "" };
    if decimals == 0 {
        format!("{sign}{grouped} {currency}")
    } else {
        format!(
            "{sign}{grouped}{}{frac:0width$} {currency}",
            lang.decimal(),
            width = decimals as usize
        )
    }
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f3f4f6;margin:0;color:#111827}\
.banner{background:#b45309;color:#fff;text-align:center;padding:.5rem;font-weight:700;letter-spacing:.05em}\
main{max-width:34rem;margin:1.5rem auto;background:#fff;border-radius:12px;padding:1.5rem;box-shadow:0 2px 10px #0002}\
h1{font-size:1.3rem;margin:0 0 .25rem}.muted{color:#6b7280;font-size:.9rem}\
table{width:100%;border-collapse:collapse;margin:1rem 0}td{padding:.35rem 0;border-bottom:1px solid #e5e7eb}\
td.r{text-align:right;white-space:nowrap}tr.total td{font-weight:700;border-bottom:none;font-size:1.1rem}\
label{display:block;font-weight:600;margin:.75rem 0 .25rem}input[type=text]{width:100%;box-sizing:border-box;font-size:1.1rem;padding:.6rem;border:1px solid #9ca3af;border-radius:8px}\
button{font-size:1rem;padding:.7rem 1rem;border-radius:8px;border:0;cursor:pointer}\
.pay{background:#059669;color:#fff;width:100%;margin-top:.75rem;font-size:1.15rem}\
.cancel{background:#e5e7eb;color:#111827;width:100%;margin-top:.5rem}\
.cards button{display:block;width:100%;text-align:left;background:#f9fafb;border:1px solid #e5e7eb;margin:.25rem 0;font-size:.9rem;padding:.45rem .6rem}\
.cards code{font-weight:700}.state{padding:1rem;border-radius:8px;margin:1rem 0;font-weight:600}\
.ok{background:#d1fae5;color:#065f46}.bad{background:#fee2e2;color:#991b1b}.info{background:#e0e7ff;color:#3730a3}\
a.continue{display:inline-block;margin-top:.5rem}";

fn head(out: &mut String, title: &str, banner: bool) {
    head_in(out, Lang::En, title, banner);
}

fn head_in(out: &mut String, lang: Lang, title: &str, banner: bool) {
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{}</title><style>{STYLE}</style></head><body>",
        lang.code(),
        escape(title)
    );
    if banner {
        let _ = write!(
            out,
            "<div class=\"banner\">{}</div>",
            escape(lang.words().banner)
        );
    }
}

/// The page for a session, in its language; `tail` (the Web SDK's messages when embedded, see
/// `crate::embed`) ends its body.
pub(crate) fn render(d: &PageData, tail: &str) -> String {
    let w = d.lang.words();
    let lq = d.lang.query(d.embed);
    // Links out of the page leave the SDK's iframe for the whole window, as Dintero's do.
    let target = if d.embed { " target=\"_top\"" } else { "" };
    let mut out = String::with_capacity(8 * 1024);
    head_in(&mut out, d.lang, w.title, d.show_banner);
    let id = escape(&d.id);
    let _ = write!(
        out,
        "<main><h1>{MERCHANT_NAME}</h1><div class=\"muted\">{} {} &middot; {} <code>{id}</code></div>",
        escape(w.order),
        escape(&d.merchant_reference),
        escape(w.session)
    );
    out.push_str("<table>");
    for l in &d.lines {
        let _ = write!(
            out,
            "<tr><td>{} &times; {}</td><td class=\"r\">{}</td></tr>",
            escape(&l.quantity),
            escape(&l.description),
            escape(&format_amount(l.amount, &d.currency, d.lang))
        );
    }
    let _ = write!(
        out,
        "<tr class=\"total\"><td>{}</td><td class=\"r\" id=\"total\">{}</td></tr>",
        escape(w.total),
        escape(&format_amount(d.amount, &d.currency, d.lang))
    );
    if let Some(vat) = d.vat_amount {
        let _ = write!(
            out,
            "<tr><td class=\"muted\">{}</td><td class=\"r muted\">{}</td></tr>",
            escape(w.of_which_vat),
            escape(&format_amount(vat, &d.currency, d.lang))
        );
    }
    out.push_str("</table>");
    if let Some(m) = &d.message {
        let _ = write!(
            out,
            "<div class=\"state bad\" role=\"alert\">{}</div>",
            escape(m)
        );
    }
    // A finished payment: what became of it, and the way back to the shop.
    let outcome = |out: &mut String, class: &str, words: &str, status: &Status, url: &str| {
        let _ = write!(
            out,
            "<div class=\"state {class}\">{}</div>\
<a class=\"continue\" href=\"{}\"{target}>{}</a>",
            fill(words, &escape(&status.to_string())),
            escape(url),
            escape(w.back)
        );
    };
    match &d.state {
        PageState::Open | PageState::Paying => {
            if d.state == PageState::Paying {
                let _ = write!(out, "<div class=\"state info\">{}</div>", escape(w.paying));
            }
            let _ = write!(
                out,
                "<form method=\"post\" action=\"/v1/view/{id}/pay{lq}\">\
<label for=\"card\">{}</label>\
<input type=\"text\" id=\"card\" name=\"card\" inputmode=\"numeric\" autocomplete=\"off\" value=\"4000 0000 0000 0002\">\
<div class=\"muted\">{}</div>\
<button class=\"pay\" type=\"submit\">{} {}</button></form>\
<form method=\"post\" action=\"/v1/view/{id}/cancel{lq}\"><button class=\"cancel\" type=\"submit\">{}</button></form>",
                escape(w.card_number),
                escape(w.card_hint),
                escape(w.pay),
                escape(&format_amount(d.amount, &d.currency, d.lang)),
                escape(w.cancel)
            );
            let _ = write!(
                out,
                "<h2 class=\"muted\" style=\"font-size:1rem;margin-top:1.5rem\">{}</h2>\
<form class=\"cards\" method=\"post\" action=\"/v1/view/{id}/pay{lq}\">",
                escape(w.or_test_card)
            );
            for c in TEST_CARDS {
                let _ = write!(
                    out,
                    "<button type=\"submit\" name=\"card\" value=\"{}\"><code>{}</code> {}</button>",
                    c.number,
                    c.spaced(),
                    escape(c.label)
                );
            }
            let _ = write!(
                out,
                "</form><p class=\"muted\">{}</p>",
                fill(w.expires_at, &escape(&d.expires_at))
            );
        }
        PageState::Paid {
            status,
            continue_url,
            ..
        } => outcome(&mut out, "ok", w.paid, status, continue_url),
        PageState::Failed {
            status,
            continue_url,
            ..
        } => outcome(&mut out, "bad", w.failed, status, continue_url),
        PageState::OnHold { .. } => {
            let _ = write!(out, "<div class=\"state info\">{}</div>", escape(w.on_hold));
        }
        PageState::Cancelled => {
            let _ = write!(
                out,
                "<div class=\"state bad\">{}</div>",
                escape(w.cancelled)
            );
        }
        PageState::Expired => {
            let _ = write!(
                out,
                "<div class=\"state bad\">{}</div>",
                fill(w.expired, &escape(&d.expires_at))
            );
        }
    }
    out.push_str("</main>");
    out.push_str(tail);
    out.push_str("</body></html>");
    out
}

/// SIM landing page for `return_url`s pointing back at the sandbox (`/_sim/return`): shows
/// the parameters Dintero appended, so a person trying the checkout sees where it ended.
pub(crate) fn return_page(params: &[(String, String)]) -> String {
    let mut out = String::new();
    head(&mut out, "Back at the shop", true);
    let error = params
        .iter()
        .find(|(k, _)| k == "error")
        .map(|(_, v)| v.as_str());
    let (class, headline) = match error {
        None => ("ok", "Payment completed".to_owned()),
        Some(e) => ("bad", format!("Payment not completed (error={e})")),
    };
    let _ = write!(
        out,
        "<main><h1>Back at the shop</h1><div class=\"state {class}\">{}</div><table>",
        escape(&headline)
    );
    for (k, v) in params {
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td class=\"r\"><code>{}</code></td></tr>",
            escape(k),
            escape(v)
        );
    }
    out.push_str("</table><p class=\"muted\">This page is the sandbox's stand-in for a shop's return_url.</p></main></body></html>");
    out
}

/// The page for an unknown session id; `tail` as for [`render`] (telling the Web SDK so).
pub(crate) fn not_found(id: &str, tail: &str) -> String {
    let mut out = String::new();
    head(&mut out, "Checkout not found", true);
    let _ = write!(
        out,
        "<main><h1>Checkout not found</h1><p>There is no checkout session <code>{}</code>.</p></main>",
        escape(id)
    );
    out.push_str(tail);
    out.push_str("</body></html>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_formatted_in_the_currency() {
        let en = Lang::En;
        assert_eq!(format_amount(24800, "NOK", en), "248.00 NOK");
        assert_eq!(
            format_amount(123456789, "SEK", en),
            "1\u{a0}234\u{a0}567.89 SEK"
        );
        assert_eq!(format_amount(5, "EUR", en), "0.05 EUR");
        assert_eq!(format_amount(-1500, "NOK", en), "-15.00 NOK");
        assert_eq!(format_amount(500, "JPY", en), "500 JPY");
    }

    /// Issue 14, item 8: amounts follow the page's language.
    #[test]
    fn amounts_are_written_with_the_languages_decimal_separator() {
        assert_eq!(format_amount(24800, "NOK", Lang::No), "248,00 NOK");
        assert_eq!(format_amount(123450, "SEK", Lang::Sv), "1\u{a0}234,50 SEK");
        assert_eq!(format_amount(500, "JPY", Lang::Sv), "500 JPY");
    }

    /// Every word of the page, by name: a field added to `Words` fails to compile here until
    /// it is listed, and so is checked below.
    fn all(w: &Words) -> [(&'static str, &'static str); 19] {
        let Words {
            title,
            banner,
            order,
            session,
            total,
            of_which_vat,
            paying,
            card_number,
            card_hint,
            pay,
            cancel,
            or_test_card,
            expires_at,
            paid,
            back,
            failed,
            on_hold,
            cancelled,
            expired,
        } = *w;
        [
            ("title", title),
            ("banner", banner),
            ("order", order),
            ("session", session),
            ("total", total),
            ("of_which_vat", of_which_vat),
            ("paying", paying),
            ("card_number", card_number),
            ("card_hint", card_hint),
            ("pay", pay),
            ("cancel", cancel),
            ("or_test_card", or_test_card),
            ("expires_at", expires_at),
            ("paid", paid),
            ("back", back),
            ("failed", failed),
            ("on_hold", on_hold),
            ("cancelled", cancelled),
            ("expired", expired),
        ]
    }

    /// Issue 14, item 8: Norwegian and Swedish translate every word of the page; only the
    /// listed ones read as in English, and every `{}` is kept.
    #[test]
    fn every_language_translates_every_word() {
        const SAME: [(Lang, &str); 2] = [(Lang::Sv, "order"), (Lang::Sv, "session")];
        for lang in [Lang::No, Lang::Sv] {
            for ((name, english), (_, word)) in all(&EN).into_iter().zip(all(lang.words())) {
                assert!(!word.trim().is_empty(), "{lang:?} {name}");
                assert_eq!(
                    word.matches("{}").count(),
                    english.matches("{}").count(),
                    "{lang:?} {name}"
                );
                assert_eq!(
                    word == english,
                    SAME.contains(&(lang, name)),
                    "{lang:?} {name}: {word:?}"
                );
            }
        }
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
