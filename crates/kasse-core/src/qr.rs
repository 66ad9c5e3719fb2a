//! QR codes for the checkout URL: an SVG for the app, Unicode half blocks for a terminal.
//!
//! Both are drawn from the same module matrix ([`QrMatrix`]): error correction level M, a quiet
//! zone of [`QUIET_ZONE`] modules on every side, dark modules on a light background.

use qrcode::{Color, EcLevel, QrCode};

/// Light modules drawn around the code on every side (the QR standard asks for 4).
pub const QUIET_ZONE: usize = 4;

/// The text cannot be drawn as a QR code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    /// More than a QR code at level M holds (about 2 300 bytes).
    #[error("text too long for a QR code ({len} bytes)")]
    TooLong {
        /// Length of the text in bytes.
        len: usize,
    },
    /// Any other encoder failure.
    #[error("cannot make a QR code: {0}")]
    Encode(String),
}

impl QrError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            QrError::TooLong { .. } => "qr_too_long",
            QrError::Encode(_) => "qr_encode",
        }
    }
}

/// The modules of a QR code (without quiet zone), row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    width: usize,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// Encodes `text` (bytes as UTF-8) at error correction level M.
    pub fn encode(text: &str) -> Result<QrMatrix, QrError> {
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).map_err(
            |e| match e {
                qrcode::types::QrError::DataTooLong => QrError::TooLong { len: text.len() },
                other => QrError::Encode(other.to_string()),
            },
        )?;
        let width = code.width();
        let dark = code
            .to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect();
        Ok(QrMatrix { width, dark })
    }

    /// Modules per side, without the quiet zone (21 for version 1, +4 per version).
    pub fn width(&self) -> usize {
        self.width
    }

    /// Modules per side including the quiet zone on both sides.
    pub fn width_with_quiet_zone(&self) -> usize {
        self.width + 2 * QUIET_ZONE
    }

    /// Whether module (`x`, `y`) is dark; `false` outside the code.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && self.dark[y * self.width + x]
    }

    /// Like [`QrMatrix::is_dark`] in coordinates that include the quiet zone (may be negative
    /// or beyond the edge: light there).
    fn dark_in_frame(&self, x: usize, y: usize) -> bool {
        match (x.checked_sub(QUIET_ZONE), y.checked_sub(QUIET_ZONE)) {
            (Some(x), Some(y)) => self.is_dark(x, y),
            _ => false,
        }
    }

    /// The SVG drawing, see [`qr_svg`].
    pub fn to_svg(&self) -> String {
        let size = self.width_with_quiet_zone();
        let mut path = String::new();
        for y in 0..self.width {
            let mut x = 0;
            while x < self.width {
                if self.is_dark(x, y) {
                    let start = x;
                    while x < self.width && self.is_dark(x, y) {
                        x += 1;
                    }
                    let run = x - start;
                    path.push_str(&format!(
                        "M{} {}h{run}v1h-{run}z",
                        start + QUIET_ZONE,
                        y + QUIET_ZONE
                    ));
                } else {
                    x += 1;
                }
            }
        }
        format!(
            concat!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="0 0 {size} {size}" "#,
                r#"shape-rendering="crispEdges" role="img">"#,
                r##"<rect width="{size}" height="{size}" fill="#ffffff"/>"##,
                r##"<path fill="#000000" d="{path}"/>"##,
                "</svg>"
            ),
            size = size,
            path = path
        )
    }

    /// The terminal drawing, see [`qr_terminal_with`].
    pub fn to_terminal(&self, style: TerminalStyle) -> String {
        let size = self.width_with_quiet_zone();
        // The glyphs draw in the terminal's foreground colour: which modules are "ink" depends on
        // whether that colour is dark or light.
        let (ink_is_dark, prefix, suffix) = match style {
            TerminalStyle::Ansi => (true, "\x1b[38;5;16;48;5;231m", "\x1b[0m"),
            TerminalStyle::LightBackground => (true, "", ""),
            TerminalStyle::DarkBackground => (false, "", ""),
        };
        let mut out = String::with_capacity(size.div_ceil(2) * (size * 3 + 24));
        for row in (0..size).step_by(2) {
            out.push_str(prefix);
            for x in 0..size {
                let top = self.dark_in_frame(x, row) == ink_is_dark;
                // Past the last row (odd sizes) is light, like the quiet zone.
                let bottom = if row + 1 < size {
                    self.dark_in_frame(x, row + 1) == ink_is_dark
                } else {
                    !ink_is_dark
                };
                out.push(match (top, bottom) {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (false, false) => ' ',
                });
            }
            out.push_str(suffix);
            out.push('\n');
        }
        out
    }
}

/// How [`qr_terminal_with`] makes modules dark on light.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TerminalStyle {
    /// ANSI 256-colour escapes set black on white for every line, so the code is dark on light
    /// whatever the terminal's theme. Best on a TTY.
    #[default]
    Ansi,
    /// No escapes; for a terminal with light text on a dark background: light modules (and the
    /// quiet zone) are drawn as blocks, dark modules are left as background.
    DarkBackground,
    /// No escapes; for dark text on a light background: dark modules are drawn as blocks.
    LightBackground,
}

/// An SVG of `text` as a QR code: level M, a quiet zone of [`QUIET_ZONE`] modules, black on
/// white, one user unit per module. The root has a `viewBox` and no `width`/`height`, so it scales
/// to whatever box the UI gives it; `shape-rendering="crispEdges"` keeps module edges sharp.
/// There is no XML prolog, so it can be inlined in HTML as is.
pub fn qr_svg(text: &str) -> Result<String, QrError> {
    Ok(QrMatrix::encode(text)?.to_svg())
}

/// `text` as a QR code for a terminal in [`TerminalStyle::Ansi`] (see [`qr_terminal_with`]).
pub fn qr_terminal(text: &str) -> Result<String, QrError> {
    qr_terminal_with(text, TerminalStyle::Ansi)
}

/// `text` as a QR code drawn with Unicode half blocks (`▀ ▄ █` and space): each character is two
/// modules stacked, so a line covers two rows of modules and the drawing is about square in a
/// terminal font. Includes the [`QUIET_ZONE`]. `(width + 2 × QUIET_ZONE + 1) / 2` lines, each
/// ending in `\n`, each `width + 2 × QUIET_ZONE` characters wide (plus escapes for
/// [`TerminalStyle::Ansi`]).
pub fn qr_terminal_with(text: &str, style: TerminalStyle) -> Result<String, QrError> {
    Ok(QrMatrix::encode(text)?.to_terminal(style))
}
