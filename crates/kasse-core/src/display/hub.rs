//! The one current customer view, shared by every display that follows it. The engine feeds
//! it (the cart priced at the counter, a charge, each sale change); displays read it once and
//! then follow it through a `tokio::sync::watch` receiver, which always holds the latest view
//! (a slow display skips views, never falls behind).

use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::watch;

use super::view::{Basket, CustomerView, Screen};
use crate::sale::SaleStatus;

/// The customer display's current view; cheap to clone (clones share it).
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    screen: Mutex<Screen>,
    views: watch::Sender<CustomerView>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("followers", &self.inner.views.receiver_count())
            .finish_non_exhaustive()
    }
}

impl Default for Hub {
    fn default() -> Hub {
        Hub::new()
    }
}

impl Hub {
    /// A hub showing the idle view.
    pub fn new() -> Hub {
        let screen = Screen::Idle;
        let (views, _) = watch::channel(screen.view());
        Hub {
            inner: Arc::new(Inner {
                screen: Mutex::new(screen),
                views,
            }),
        }
    }

    /// The current view.
    pub fn view(&self) -> CustomerView {
        self.inner.views.borrow().clone()
    }

    /// The current view and every later one.
    pub fn follow(&self) -> watch::Receiver<CustomerView> {
        self.inner.views.subscribe()
    }

    /// The counter's cart changed (`None`: emptied).
    pub fn cart(&self, cart: Option<Basket>) {
        self.step(|s| s.cart(cart));
    }

    /// The counter charged `basket` as `sale_id`, its checkout at `url`.
    pub fn charged(&self, sale_id: &str, basket: Basket, url: &str, qr_svg: &str) {
        self.step(|_| Screen::charged(sale_id, basket, url, qr_svg));
    }

    /// A sale changed status.
    pub fn sale_changed(&self, sale_id: &str, status: SaleStatus) {
        self.step(|s| s.sale_changed(sale_id, status));
    }

    /// Moves the screen by `rule` and publishes its view when that changed.
    fn step(&self, rule: impl FnOnce(Screen) -> Screen) {
        let mut screen = self
            .inner
            .screen
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *screen = rule(std::mem::take(&mut *screen));
        let view = screen.view();
        self.inner.views.send_if_modified(|v| {
            let changed = *v != view;
            if changed {
                *v = view;
            }
            changed
        });
    }
}
