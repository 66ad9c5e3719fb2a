//! ESC/POS, the command language of Epson's receipt printers and the many that follow it:
//! a laid-out receipt as the bytes such a printer takes. `ESC @` initialises, `ESC t 5`
//! chooses code page 865 (PC865 Nordic: æøå ÆØÅ, and äöü é in the same place as PC437),
//! which the text is transcoded into; `ESC E` bold and `GS !` double height for the shop's
//! name and the total; the QR code is the printer's own (`GS ( k`, model 2); `GS V` cuts.
//! [`decode`] reads such bytes back, for the tests' fake printers and for support.

use super::layout::{Block, Layout, Style};

const ESC: u8 = 0x1b;
const GS: u8 = 0x1d;
const LF: u8 = 0x0a;
/// `ESC t` page number of PC865 on Epson-compatible printers.
pub const CODE_PAGE_865: u8 = 5;

/// (character, its PC865 byte) for everything above ASCII that a Nordic receipt prints.
const CP865: [(char, u8); 39] = [
    ('Ç', 0x80),
    ('ü', 0x81),
    ('é', 0x82),
    ('â', 0x83),
    ('ä', 0x84),
    ('à', 0x85),
    ('å', 0x86),
    ('ç', 0x87),
    ('ê', 0x88),
    ('ë', 0x89),
    ('è', 0x8a),
    ('ï', 0x8b),
    ('î', 0x8c),
    ('ì', 0x8d),
    ('Ä', 0x8e),
    ('Å', 0x8f),
    ('É', 0x90),
    ('æ', 0x91),
    ('Æ', 0x92),
    ('ô', 0x93),
    ('ö', 0x94),
    ('ò', 0x95),
    ('û', 0x96),
    ('ù', 0x97),
    ('ÿ', 0x98),
    ('Ö', 0x99),
    ('Ü', 0x9a),
    ('ø', 0x9b),
    ('£', 0x9c),
    ('Ø', 0x9d),
    ('á', 0xa0),
    ('í', 0xa1),
    ('ó', 0xa2),
    ('ú', 0xa3),
    ('ñ', 0xa4),
    ('Ñ', 0xa5),
    ('¤', 0xaf),
    ('½', 0xab),
    ('¼', 0xac),
];

/// `c` in PC865: ASCII as itself, control characters (an `ESC` inside a product's name
/// would be a command) as a space, what the page lacks as its nearest or `?`.
fn cp865(c: char) -> u8 {
    match c {
        ' '..='~' => c as u8,
        '\u{0}'..='\u{1f}' | '\u{7f}' => b' ',
        '€' => b'E',
        '–' | '—' => b'-',
        '•' | '·' => b'*',
        '‘' | '’' => b'\'',
        '“' | '”' | '«' | '»' => b'"',
        _ => CP865
            .iter()
            .find(|(ch, _)| *ch == c)
            .map_or(b'?', |(_, b)| *b),
    }
}

/// The byte's character in PC865 (the inverse of the table; ASCII as itself).
fn from_cp865(b: u8) -> char {
    if b.is_ascii() {
        return char::from(b);
    }
    CP865
        .iter()
        .find(|(_, x)| *x == b)
        .map_or('\u{fffd}', |(c, _)| *c)
}

/// The bytes for a laid-out receipt.
pub fn render(layout: &Layout) -> Vec<u8> {
    let mut out = vec![ESC, b'@', ESC, b't', CODE_PAGE_865];
    let mut center = false;
    for block in &layout.blocks {
        match block {
            Block::Line {
                text,
                style,
                center: c,
            } => {
                if *c != center {
                    out.extend([ESC, b'a', u8::from(*c)]);
                    center = *c;
                }
                let (bold, big) = match style {
                    Style::Plain => (0, 0),
                    Style::Bold => (1, 0),
                    Style::Big => (1, 0x01),
                };
                if bold == 1 {
                    out.extend([ESC, b'E', 1]);
                }
                if big != 0 {
                    out.extend([GS, b'!', big]);
                }
                out.extend(text.chars().map(cp865));
                out.push(LF);
                if big != 0 {
                    out.extend([GS, b'!', 0]);
                }
                if bold == 1 {
                    out.extend([ESC, b'E', 0]);
                }
            }
            Block::Rule => {
                out.extend(std::iter::repeat_n(b'-', layout.columns));
                out.push(LF);
            }
            Block::Qr(data) => {
                if !center {
                    out.extend([ESC, b'a', 1]);
                    center = true;
                }
                qr(&mut out, data.as_bytes(), layout.columns);
            }
        }
    }
    // Feed past the cutter, then a partial cut.
    out.extend([ESC, b'd', 4, GS, b'V', 1]);
    out
}

/// `GS ( k`: model 2, module size, error correction M, store the data, print it.
fn qr(out: &mut Vec<u8>, data: &[u8], columns: usize) {
    let size = if columns >= 48 { 6 } else { 4 };
    let mut f = |function: &[u8]| {
        let len = u16::try_from(function.len() + 1).unwrap_or(u16::MAX);
        out.extend([GS, b'(', b'k']);
        out.extend(len.to_le_bytes());
        out.push(0x31);
        out.extend(function);
    };
    f(&[0x41, 0x32, 0x00]);
    f(&[0x43, size]);
    f(&[0x45, 0x31]);
    let mut store = vec![0x50, 0x30];
    store.extend(data);
    f(&store);
    f(&[0x51, 0x30]);
}

/// What a printer made of ESC/POS bytes: the lines it printed and how, the QR codes, whether
/// it was initialised and cut.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decoded {
    /// `ESC @` came first.
    pub initialised: bool,
    /// The code page chosen with `ESC t`.
    pub code_page: Option<u8>,
    /// Printed lines, in order.
    pub lines: Vec<DecodedLine>,
    /// The QR codes printed (their stored data, when printed).
    pub qr: Vec<String>,
    /// A cut (`GS V`) ended it.
    pub cut: bool,
}

/// A printed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedLine {
    /// Its text, from PC865.
    pub text: String,
    /// Bold.
    pub bold: bool,
    /// Double height.
    pub tall: bool,
    /// Centred.
    pub centred: bool,
}

impl Decoded {
    /// The lines' texts.
    pub fn texts(&self) -> Vec<&str> {
        self.lines.iter().map(|l| l.text.as_str()).collect()
    }

    /// The first line containing `needle`.
    pub fn line_with(&self, needle: &str) -> Option<&DecodedLine> {
        self.lines.iter().find(|l| l.text.contains(needle))
    }

    /// Whether the first line containing `label` ends with `value` (`Total        153,00`).
    pub fn says(&self, label: &str, value: &str) -> bool {
        self.line_with(label)
            .is_some_and(|l| l.text.ends_with(value))
    }
}

/// Reads ESC/POS bytes as a printer would: the commands [`render`] writes (and `ESC !`, `ESC
/// d`, `GS V` with a feed); anything else is an error naming the offset.
pub fn decode(bytes: &[u8]) -> Result<Decoded, String> {
    let mut d = Decoded::default();
    let (mut bold, mut tall, mut centred) = (false, false, false);
    let mut text: Vec<u8> = Vec::new();
    let mut stored = String::new();
    let mut i = 0;
    let arg = |i: usize, n: usize| {
        bytes
            .get(i..i + n)
            .ok_or_else(|| format!("command at {i} cut short"))
    };
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            ESC => {
                let cmd = *arg(i + 1, 1)?.first().unwrap_or(&0);
                match cmd {
                    b'@' => {
                        d.initialised |= i == 0;
                        (bold, tall, centred) = (false, false, false);
                        i += 2;
                    }
                    b't' => {
                        d.code_page = Some(arg(i + 2, 1)?[0]);
                        i += 3;
                    }
                    b'a' => {
                        centred = arg(i + 2, 1)?[0] & 1 == 1;
                        i += 3;
                    }
                    b'E' => {
                        bold = arg(i + 2, 1)?[0] & 1 == 1;
                        i += 3;
                    }
                    b'!' => {
                        let n = arg(i + 2, 1)?[0];
                        (bold, tall) = (n & 0x08 != 0, n & 0x10 != 0);
                        i += 3;
                    }
                    b'd' => i += 3,
                    _ => return Err(format!("unknown ESC {cmd:#04x} at {i}")),
                }
            }
            GS => {
                let cmd = arg(i + 1, 1)?[0];
                match cmd {
                    b'!' => {
                        tall = arg(i + 2, 1)?[0] & 0x0f != 0;
                        i += 3;
                    }
                    b'V' => {
                        let m = arg(i + 2, 1)?[0];
                        d.cut = true;
                        i += if m >= 65 { 4 } else { 3 };
                    }
                    b'(' if arg(i + 2, 1)?[0] == b'k' => {
                        let len = arg(i + 3, 2)?;
                        let len = usize::from(u16::from_le_bytes([len[0], len[1]]));
                        let body = arg(i + 5, len)?;
                        match body {
                            [0x31, 0x50, 0x30, data @ ..] => {
                                stored = String::from_utf8_lossy(data).into_owned();
                            }
                            [0x31, 0x51, 0x30] => d.qr.push(std::mem::take(&mut stored)),
                            [0x31, 0x41 | 0x43 | 0x45, ..] => {}
                            _ => return Err(format!("unknown GS ( k function at {i}")),
                        }
                        i += 5 + len;
                    }
                    _ => return Err(format!("unknown GS {cmd:#04x} at {i}")),
                }
            }
            LF => {
                d.lines.push(DecodedLine {
                    text: text.drain(..).map(from_cp865).collect(),
                    bold,
                    tall,
                    centred,
                });
                i += 1;
            }
            0x00..=0x1f => return Err(format!("unexpected control byte {b:#04x} at {i}")),
            _ => {
                text.push(b);
                i += 1;
            }
        }
    }
    if !text.is_empty() {
        return Err("text after the last line feed was never printed".into());
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print::layout::{Block, Layout, Style};

    #[test]
    fn nordic_letters_go_through_pc865_and_commands_in_text_cannot() {
        let layout = Layout {
            columns: 32,
            blocks: vec![
                Block::Line {
                    text: "Smørbrød på Ærø \u{1b}@".into(),
                    style: Style::Big,
                    center: true,
                },
                Block::Rule,
                Block::Qr("KASSE1-0001".into()),
            ],
        };
        let bytes = render(&layout);
        assert!(bytes.starts_with(&[ESC, b'@', ESC, b't', 5]));
        assert!(
            bytes.windows(3).any(|w| w == [0x9b, b'r', b'b']),
            "ø is 0x9B"
        );
        let d = decode(&bytes).unwrap();
        assert!(d.initialised && d.cut);
        assert_eq!(d.code_page, Some(CODE_PAGE_865));
        assert_eq!(d.lines[0].text, "Smørbrød på Ærø  @");
        assert!(d.lines[0].bold && d.lines[0].tall && d.lines[0].centred);
        assert_eq!(d.lines[1].text, "-".repeat(32));
        assert!(!d.lines[1].bold && !d.lines[1].tall);
        assert_eq!(d.qr, ["KASSE1-0001"]);
        for c in "æøåÆØÅäöüé".chars() {
            assert_eq!(from_cp865(cp865(c)), c);
        }
        assert_eq!(cp865('€'), b'E');
        assert_eq!(cp865('漢'), b'?');
    }

    #[test]
    fn the_decoder_refuses_what_it_does_not_know() {
        assert!(decode(&[ESC, b'Z', 0]).is_err());
        assert!(decode(b"no line feed").is_err());
        assert!(decode(&[GS, b'(', b'k', 9, 0, 0x31]).is_err());
    }
}
