//! A receipt laid out for a paper width: lines of at most so many characters (32 on 58 mm
//! paper, 48 on 80 mm), each plain, bold or big (bold, double height), left or centred, and
//! the receipt number's QR code. ESC/POS and PDF both draw this, so paper and file agree.

use time::UtcOffset;

use super::words::{self, Language, Word};
use crate::receipt::{Receipt, ReceiptKind, Shop};

/// Paper width.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum PaperWidth {
    /// 58 mm: 32 characters a line.
    #[serde(rename = "58")]
    Mm58,
    /// 80 mm: 48 characters a line.
    #[default]
    #[serde(rename = "80")]
    Mm80,
}

impl PaperWidth {
    /// Characters a line in the printer's standard font (Font A).
    pub fn columns(self) -> usize {
        match self {
            PaperWidth::Mm58 => 32,
            PaperWidth::Mm80 => 48,
        }
    }

    /// From `58` or `80`.
    pub fn from_mm(mm: u32) -> Option<PaperWidth> {
        match mm {
            58 => Some(PaperWidth::Mm58),
            80 => Some(PaperWidth::Mm80),
            _ => None,
        }
    }

    /// `58` or `80`.
    pub fn mm(self) -> u32 {
        match self {
            PaperWidth::Mm58 => 58,
            PaperWidth::Mm80 => 80,
        }
    }
}

/// How a line is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Plain.
    Plain,
    /// Bold.
    Bold,
    /// Bold and double height (the shop's name, the total).
    Big,
}

/// One piece of a laid-out receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A line of text, at most [`Layout::columns`] characters.
    Line {
        /// The text.
        text: String,
        /// Plain, bold or big.
        style: Style,
        /// Centred (else left).
        center: bool,
    },
    /// A line across the paper.
    Rule,
    /// A QR code of this text, centred.
    Qr(String),
}

/// A receipt laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Characters a line.
    pub columns: usize,
    /// Top to bottom.
    pub blocks: Vec<Block>,
}

/// What a renderer needs besides the receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrintOptions {
    /// The paper.
    pub width: PaperWidth,
    /// The words' language.
    pub language: Language,
    /// The shop's offset from UTC, for the time printed.
    pub offset: UtcOffset,
}

struct Builder {
    columns: usize,
    blocks: Vec<Block>,
}

impl Builder {
    fn line(&mut self, text: &str, style: Style, center: bool) {
        for l in wrap(text, self.columns) {
            self.blocks.push(Block::Line {
                text: l,
                style,
                center,
            });
        }
    }

    /// `left` and `right` on one line, `right` against the edge; `right` on a line of its own
    /// when both do not fit.
    fn pair(&mut self, left: &str, right: &str, style: Style) {
        let (l, r) = (left.chars().count(), right.chars().count());
        if l + 1 + r <= self.columns {
            let gap = self.columns - l - r;
            self.line(&format!("{left}{}{right}", " ".repeat(gap)), style, false);
        } else {
            self.line(left, style, false);
            let pad = self.columns.saturating_sub(r);
            self.line(&format!("{}{right}", " ".repeat(pad)), style, false);
        }
    }

    fn shop(&mut self, shop: &Shop) {
        if !shop.name.trim().is_empty() {
            self.line(shop.name.trim(), Style::Big, true);
        }
        for l in shop
            .address
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            self.line(l, Style::Plain, true);
        }
        if let Some(n) = shop.org_number.as_deref() {
            let line = n
                .parse::<super::OrgNumber>()
                .map_or_else(|_| format!("Org.nr {n} MVA"), |n| n.receipt_line());
            self.line(&line, Style::Plain, true);
        }
    }
}

/// `text` cut into lines of at most `columns` characters, at spaces where it can.
fn wrap(text: &str, columns: usize) -> Vec<String> {
    if text.chars().count() <= columns {
        return vec![text.to_owned()];
    }
    let mut out = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let mut word = word.to_owned();
        loop {
            let used = current.chars().count();
            let len = word.chars().count();
            let sep = usize::from(used > 0);
            if used + sep + len <= columns {
                if sep == 1 {
                    current.push(' ');
                }
                current.push_str(&word);
                break;
            }
            if used > 0 {
                out.push(std::mem::take(&mut current));
                continue;
            }
            // A word longer than a line: cut it.
            let head: String = word.chars().take(columns).collect();
            word = word.chars().skip(columns).collect();
            out.push(head);
        }
    }
    if !current.is_empty() || out.is_empty() {
        out.push(current);
    }
    out
}

/// The receipt laid out.
pub fn receipt(r: &Receipt, o: &PrintOptions) -> Layout {
    let lang = o.language;
    let money = |minor: i64| words::amount(minor, &r.currency, lang);
    let mut b = Builder {
        columns: o.width.columns(),
        blocks: Vec::new(),
    };
    b.shop(&r.shop);
    b.blocks.push(Block::Rule);
    let refund = r.kind == ReceiptKind::Refund;
    let heading = if refund {
        Word::RefundReceipt
    } else {
        Word::Receipt
    };
    b.line(heading.in_(lang), Style::Bold, true);
    b.pair(Word::Number.in_(lang), &r.number, Style::Plain);
    if refund {
        b.pair(Word::RefundOf.in_(lang), &r.sale_reference, Style::Plain);
    }
    b.pair(
        Word::Date.in_(lang),
        &words::date_time(r.at, o.offset, lang),
        Style::Plain,
    );
    let counter = match (&r.counter_name, &r.counter) {
        (Some(name), Some(id)) if name != id => Some(format!("{name} ({id})")),
        (Some(name), _) => Some(name.clone()),
        (None, id) => id.clone(),
    };
    if let Some(c) = counter {
        b.pair(Word::Counter.in_(lang), &c, Style::Plain);
    }
    if let Some(s) = &r.staff {
        b.pair(Word::ServedBy.in_(lang), s, Style::Plain);
    }
    if let Some(reason) = &r.reason {
        b.line(
            &format!("{}: {reason}", Word::Reason.in_(lang)),
            Style::Plain,
            false,
        );
    }
    b.blocks.push(Block::Rule);
    for l in &r.lines {
        b.line(&l.description, Style::Plain, false);
        let qty = format!(
            "  {} x {}",
            words::decimal(&l.quantity.to_string(), lang),
            money(l.unit_price)
        );
        b.pair(&qty, &money(l.amount), Style::Plain);
    }
    if !r.lines.is_empty() {
        b.blocks.push(Block::Rule);
    }
    let total = if refund { Word::Refunded } else { Word::Total };
    b.pair(
        &format!("{} {}", total.in_(lang), r.currency),
        &money(r.total),
        Style::Big,
    );
    if !r.vat.is_empty() {
        let c = b.columns / 4;
        let row = |cells: [&str; 4]| {
            format!(
                "{:<w0$}{:>c$}{:>c$}{:>c$}",
                cells[0],
                cells[1],
                cells[2],
                cells[3],
                w0 = b.columns - 3 * c
            )
        };
        let head = row([
            Word::Vat.in_(lang),
            Word::Net.in_(lang),
            Word::Vat.in_(lang),
            Word::Gross.in_(lang),
        ]);
        let rows: Vec<String> = r
            .vat
            .iter()
            .map(|v| {
                let rate = format!("{} %", words::decimal(&v.rate.to_string(), lang));
                row([&rate, &money(v.net), &money(v.vat), &money(v.gross)])
            })
            .collect();
        b.line(&head, Style::Plain, false);
        for line in rows {
            b.line(&line, Style::Plain, false);
        }
    } else if let Some(vat) = r.vat_total {
        b.pair(Word::Vat.in_(lang), &money(vat), Style::Plain);
    }
    b.blocks.push(Block::Rule);
    if let Some(p) = &r.payment {
        let label = if refund {
            Word::RefundedTo
        } else {
            Word::PaidWith
        };
        b.pair(label.in_(lang), &words::payment(p, lang), Style::Plain);
    }
    if let Some(tx) = &r.transaction_id {
        b.pair(Word::Transaction.in_(lang), tx, Style::Plain);
    }
    b.blocks.push(Block::Qr(r.number.clone()));
    b.line(&r.number, Style::Plain, true);
    if !refund {
        b.line(Word::Thanks.in_(lang), Style::Plain, true);
    }
    Layout {
        columns: b.columns,
        blocks: b.blocks,
    }
}

/// A test page: the shop's header, the paper's width, the letters æøå, a rule, a QR code.
pub fn test_page(shop: &Shop, o: &PrintOptions) -> Layout {
    let lang = o.language;
    let mut b = Builder {
        columns: o.width.columns(),
        blocks: Vec::new(),
    };
    b.shop(shop);
    b.blocks.push(Block::Rule);
    b.line(Word::TestPage.in_(lang), Style::Bold, true);
    b.pair(
        Word::Paper.in_(lang),
        &format!("{} mm, {}", o.width.mm(), b.columns),
        Style::Plain,
    );
    b.pair(Word::Letters.in_(lang), "æøå ÆØÅ äö", Style::Plain);
    b.line(&"1234567890".repeat(5), Style::Plain, false);
    b.pair(
        Word::Total.in_(lang),
        &words::amount(123_450, "NOK", lang),
        Style::Big,
    );
    b.blocks.push(Block::Rule);
    b.blocks.push(Block::Qr("KASSE TEST".into()));
    Layout {
        columns: b.columns,
        blocks: b.blocks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_never_pass_the_paper_edge() {
        assert_eq!(wrap("a bb ccc", 4), ["a bb", "ccc"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), [""]);
        let mut b = Builder {
            columns: 11,
            blocks: Vec::new(),
        };
        b.pair("Total", "12,00", Style::Plain);
        b.pair("Transaction", "T12345678", Style::Plain);
        let texts: Vec<&str> = b
            .blocks
            .iter()
            .map(|x| match x {
                Block::Line { text, .. } => text.as_str(),
                _ => "",
            })
            .collect();
        assert_eq!(texts, ["Total 12,00", "Transaction", "  T12345678"]);
    }
}
