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
    /// What the display is at, and its language.
    screen: Mutex<(Screen, &'static str)>,
    views: watch::Sender<CustomerView>,
    /// The ids of the quick items sold by weight ([`Hub::set_weighed`]).
    weighed: Mutex<Vec<String>>,
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
        let (views, _) = watch::channel(screen.view("en"));
        Hub {
            inner: Arc::new(Inner {
                screen: Mutex::new((screen, "en")),
                views,
                weighed: Mutex::new(Vec::new()),
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

    /// The counter's UI language changed ([`super::view::language`]).
    pub fn set_language(&self, ui: &str) {
        let language = super::view::language(ui);
        self.update(|(_, l)| *l = language);
    }

    /// The quick items sold by weight, by id (the shell sets them from the settings), so their
    /// lines read as kilograms even when a whole kilogram was weighed.
    pub fn set_weighed(&self, ids: Vec<String>) {
        *self
            .inner
            .weighed
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = ids;
    }

    /// Whether `id` is a quick item sold by weight.
    pub fn weighed(&self, id: &str) -> bool {
        self.inner
            .weighed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .any(|w| w == id)
    }

    /// Moves the screen by `rule` and publishes its view when that changed.
    fn step(&self, rule: impl FnOnce(Screen) -> Screen) {
        self.update(|(screen, _)| *screen = rule(std::mem::take(screen)));
    }

    fn update(&self, change: impl FnOnce(&mut (Screen, &'static str))) {
        let mut state = self
            .inner
            .screen
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        change(&mut state);
        let view = state.0.view(state.1);
        self.inner.views.send_if_modified(|v| {
            let changed = *v != view;
            if changed {
                *v = view;
            }
            changed
        });
    }
}
