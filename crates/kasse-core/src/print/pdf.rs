//! A laid-out receipt as a one-page PDF the width of an 80 mm roll, written here (a PDF of
//! text lines and squares is a few objects; a PDF library would be the biggest dependency
//! of the core). Courier and Courier-Bold, two of the fonts every PDF reader has, in
//! WinAnsiEncoding, which holds æøå ÆØÅ äö é; monospaced, so the columns line up as on
//! paper. Big lines are drawn twice as tall; the QR code as filled squares.

use std::fmt::Write as _;

use super::layout::{Block, Layout, Style};

/// Font size of a line, points.
const SIZE: f32 = 8.0;
/// Courier's advance, em.
const ADVANCE: f32 = 0.6;
/// Line height, points.
const LEAD: f32 = 10.0;
/// Margin, points.
const MARGIN: f32 = 14.0;
/// A QR module, points.
const MODULE: f32 = 2.5;

/// `c` in WinAnsiEncoding (Latin-1 above 0xA0, the quotes, dashes, € and • below), else `?`.
fn win_ansi(c: char) -> u8 {
    match c {
        ' '..='~' => c as u8,
        '\u{a0}'..='\u{ff}' => c as u32 as u8,
        '€' => 0x80,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        _ => b'?',
    }
}

/// A PDF string literal of `text`.
fn literal(text: &str, out: &mut Vec<u8>) {
    out.push(b'(');
    for b in text.chars().map(win_ansi) {
        if matches!(b, b'(' | b')' | b'\\') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b')');
}

/// The PDF's bytes.
pub fn render(layout: &Layout, title: &str) -> Vec<u8> {
    let char_w = SIZE * ADVANCE;
    let width = layout.columns as f32 * char_w + 2.0 * MARGIN;
    let qr_codes: Vec<Option<qrcode::QrCode>> = layout
        .blocks
        .iter()
        .map(|b| match b {
            Block::Qr(data) => qrcode::QrCode::new(data.as_bytes()).ok(),
            _ => None,
        })
        .collect();
    let height_of = |i: usize, b: &Block| match b {
        Block::Line {
            style: Style::Big, ..
        } => 2.0 * LEAD,
        Block::Line { .. } | Block::Rule => LEAD,
        Block::Qr(_) => qr_codes[i]
            .as_ref()
            .map_or(0.0, |q| (q.width() + 8) as f32 * MODULE),
    };
    let body: f32 = layout
        .blocks
        .iter()
        .enumerate()
        .map(|(i, b)| height_of(i, b))
        .sum();
    let height = body + 2.0 * MARGIN;

    let mut content: Vec<u8> = Vec::new();
    let mut y = height - MARGIN;
    for (i, block) in layout.blocks.iter().enumerate() {
        let h = height_of(i, block);
        match block {
            Block::Line {
                text,
                style,
                center,
            } => {
                let font = if *style == Style::Plain { "F1" } else { "F2" };
                let scale = if *style == Style::Big { 2.0 } else { 1.0 };
                let len = text.chars().count() as f32;
                let x = if *center {
                    (width - len * char_w) / 2.0
                } else {
                    MARGIN
                };
                let base = y - h + 2.5;
                let _ = write!(
                    Text(&mut content),
                    "BT /{font} {SIZE} Tf 1 0 0 {scale} {x:.2} {base:.2} Tm "
                );
                literal(text, &mut content);
                content.extend_from_slice(b" Tj ET\n");
            }
            Block::Rule => {
                let ry = y - h / 2.0;
                let _ = writeln!(
                    Text(&mut content),
                    "0.5 w {MARGIN:.2} {ry:.2} m {:.2} {ry:.2} l S",
                    width - MARGIN
                );
            }
            Block::Qr(_) => {
                if let Some(q) = &qr_codes[i] {
                    let n = q.width();
                    let x0 = (width - n as f32 * MODULE) / 2.0;
                    let top = y - 4.0 * MODULE;
                    let colors = q.to_colors();
                    for (k, c) in colors.iter().enumerate() {
                        if *c == qrcode::Color::Dark {
                            let (cx, cy) = ((k % n) as f32, (k / n) as f32);
                            let _ = writeln!(
                                Text(&mut content),
                                "{:.2} {:.2} {MODULE} {MODULE} re f",
                                x0 + cx * MODULE,
                                top - (cy + 1.0) * MODULE
                            );
                        }
                    }
                }
            }
        }
        y -= h;
    }

    let mut title_lit = Vec::new();
    literal(title, &mut title_lit);
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width:.2} {height:.2}] \
             /Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>"
        )
        .into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>".to_vec(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier-Bold /Encoding /WinAnsiEncoding >>"
            .to_vec(),
        {
            let mut s = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
            s.extend_from_slice(&content);
            s.extend_from_slice(b"\nendstream");
            s
        },
        {
            let mut s = b"<< /Title ".to_vec();
            s.extend_from_slice(&title_lit);
            s.extend_from_slice(b" /Producer (Kasse) >>");
            s
        },
    ];
    let mut out: Vec<u8> = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    let mut tail = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for o in offsets {
        let _ = writeln!(tail, "{o:010} 00000 n ");
    }
    let _ = write!(
        tail,
        "trailer\n<< /Size {} /Root 1 0 R /Info {} 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1,
        objects.len()
    );
    out.extend_from_slice(tail.as_bytes());
    out
}

/// `fmt::Write` into a byte buffer (the content stream is ASCII but for string literals).
struct Text<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Text<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_win_ansi_with_its_delimiters_escaped() {
        let mut out = Vec::new();
        literal("æøå (1) \\ €漢", &mut out);
        assert_eq!(out, b"(\xe6\xf8\xe5 \\(1\\) \\\\ \x80?)");
    }
}
