//! What is on the virtual display (a private Xvfb, the e2e harness's `kasse_e2e::Display`):
//! pixels read straight from the X server (GetImage on the root window), cheap enough to poll
//! every few milliseconds.

use std::path::Path;

use anyhow::{bail, Context, Result};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt, ImageFormat, ImageOrder, MapState};
use x11rb::rust_connection::RustConnection;

/// An RGB colour.
pub type Rgb = [u8; 3];

/// A connection to the display's screen.
pub struct Screen {
    conn: RustConnection,
    root: u32,
    pub width: u16,
    pub height: u16,
    lsb_first: bool,
}

impl std::fmt::Debug for Screen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Screen")
            .field("width", &self.width)
            .field("height", &self.height)
            .finish_non_exhaustive()
    }
}

impl Screen {
    pub fn connect(display: &str) -> Result<Screen> {
        let (conn, n) = x11rb::connect(Some(display))
            .with_context(|| format!("connecting to X display {display}"))?;
        let setup = conn.setup();
        let screen = &setup.roots[n];
        let depth24 = setup
            .pixmap_formats
            .iter()
            .find(|f| f.depth == screen.root_depth)
            .map(|f| f.bits_per_pixel)
            .unwrap_or(0);
        if screen.root_depth != 24 || depth24 != 32 {
            bail!(
                "unexpected visual: depth {} at {depth24} bits per pixel (want 24 at 32)",
                screen.root_depth
            );
        }
        let lsb_first = setup.image_byte_order == ImageOrder::LSB_FIRST;
        Ok(Screen {
            root: screen.root,
            width: screen.width_in_pixels,
            height: screen.height_in_pixels,
            lsb_first,
            conn,
        })
    }

    /// The pixels of a rectangle of the screen, row by row.
    pub fn pixels(&self, x: i16, y: i16, w: u16, h: u16) -> Result<Vec<Rgb>> {
        let img = self
            .conn
            .get_image(ImageFormat::Z_PIXMAP, self.root, x, y, w, h, !0)?
            .reply()?;
        Ok(img
            .data
            .chunks_exact(4)
            .map(|p| {
                if self.lsb_first {
                    [p[2], p[1], p[0]]
                } else {
                    [p[1], p[2], p[3]]
                }
            })
            .collect())
    }

    /// Whether a top-level window of at least 200×200 is mapped (viewable).
    pub fn window_mapped(&self) -> Result<bool> {
        let tree = self.conn.query_tree(self.root)?.reply()?;
        for w in tree.children {
            let attrs = self.conn.get_window_attributes(w)?.reply()?;
            if attrs.map_state != MapState::VIEWABLE {
                continue;
            }
            let g = self.conn.get_geometry(w)?.reply()?;
            if g.width >= 200 && g.height >= 200 {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Saves the whole screen as a binary PPM (for looking at what the bench saw).
    pub fn save_ppm(&self, path: &Path) -> Result<()> {
        let px = self.pixels(0, 0, self.width, self.height)?;
        let mut out = format!("P6\n{} {}\n255\n", self.width, self.height).into_bytes();
        for p in px {
            out.extend_from_slice(&p);
        }
        std::fs::write(path, out)?;
        Ok(())
    }
}

/// `#rrggbb` → RGB.
pub const fn rgb(hex: u32) -> Rgb {
    [(hex >> 16) as u8, (hex >> 8) as u8, hex as u8]
}
