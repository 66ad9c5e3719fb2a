//! Where the customer display's window goes: on a screen the counter's window is not on, so a
//! second monitor turned to the customer gets it; with one screen, nowhere in particular.

/// A screen's area in the desktop's pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Area {
    /// Left edge.
    pub x: i32,
    /// Top edge.
    pub y: i32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

impl Area {
    fn contains(&self, (x, y): (i32, i32)) -> bool {
        let right = i64::from(self.x) + i64::from(self.width);
        let bottom = i64::from(self.y) + i64::from(self.height);
        x >= self.x && y >= self.y && i64::from(x) < right && i64::from(y) < bottom
    }
}

/// The screen (its index in `screens`) for the display: the first that does not hold
/// `counter`, the centre of the counter's window; `None` when every screen holds it (one
/// screen) or there is none.
pub fn other_screen(counter: (i32, i32), screens: &[Area]) -> Option<usize> {
    if screens.len() < 2 {
        return None;
    }
    screens.iter().position(|s| !s.contains(counter))
}

#[cfg(test)]
mod tests {
    use super::{other_screen, Area};

    const LEFT: Area = Area {
        x: 0,
        y: 0,
        width: 1920,
        height: 1080,
    };
    const RIGHT: Area = Area {
        x: 1920,
        y: 0,
        width: 1024,
        height: 768,
    };

    #[test]
    fn the_display_goes_to_the_screen_the_counter_is_not_on() {
        assert_eq!(other_screen((960, 540), &[LEFT, RIGHT]), Some(1));
        assert_eq!(other_screen((2400, 300), &[LEFT, RIGHT]), Some(0));
        assert_eq!(other_screen((960, 540), &[LEFT]), None, "one screen");
        assert_eq!(other_screen((960, 540), &[]), None);
    }
}
