//! The catalogue figure: search-as-you-type on 10,000 products, every keystroke of names,
//! SKUs and barcodes typed a character at a time, its p95 against the target.

use std::time::Instant;

use anyhow::Result;
use kasse_core::catalog::csv::Parsed;
use kasse_core::catalog::{Gtin, Product, Unit};
use kasse_core::money::VatRate;
use kasse_core::staff::Actor;
use kasse_core::store::Store;
use rand::{rngs::StdRng, Rng, SeedableRng};

use crate::common::{group_thousands, ms, Dist, Goal, Section};

const WORDS: [&str; 24] = [
    "kaffe",
    "brød",
    "melk",
    "smør",
    "ost",
    "epler",
    "pærer",
    "laks",
    "reker",
    "kylling",
    "pasta",
    "ris",
    "sjokolade",
    "te",
    "juice",
    "yoghurt",
    "egg",
    "tomater",
    "agurk",
    "løk",
    "poteter",
    "mel",
    "sukker",
    "kjeks",
];
const KINDS: [&str; 12] = [
    "økologisk",
    "lett",
    "grov",
    "fersk",
    "røkt",
    "mørk",
    "søt",
    "stor",
    "liten",
    "hel",
    "skivet",
    "fryst",
];
const CATEGORIES: [&str; 10] = [
    "Drikke",
    "Bakst",
    "Meieri",
    "Frukt",
    "Grønt",
    "Fisk",
    "Kjøtt",
    "Tørrvarer",
    "Godt",
    "Frys",
];

/// A valid EAN-13 from 12 digits.
fn ean13(body: u64) -> Gtin {
    Gtin::complete(&format!("{body:012}")).expect("12 digits make an EAN-13")
}

fn products(n: usize, rng: &mut StdRng) -> Vec<Product> {
    (0..n)
        .map(|i| Product {
            sku: format!("SKU{i:05}"),
            name: format!(
                "{} {} {}",
                WORDS[rng.gen_range(0..WORDS.len())],
                KINDS[rng.gen_range(0..KINDS.len())],
                rng.gen_range(100..=2000)
            ),
            gtin: Some(ean13(703_801_000_000 + i as u64)),
            price: rng.gen_range(500..50_000),
            vat: VatRate::from_percent(if i % 3 == 0 { 15 } else { 25 }).expect("a rate"),
            unit: if i % 20 == 0 { Unit::Kg } else { Unit::Piece },
            category: Some(CATEGORIES[i % CATEGORIES.len()].to_owned()),
            favourite: i % 500 == 0,
            active: true,
        })
        .collect()
}

/// Times search-as-you-type on a catalogue of `n` products in a fresh log at `dir`.
pub fn catalog_figures(
    s: &mut Section,
    dir: &std::path::Path,
    n: usize,
    typed: usize,
) -> Result<()> {
    let path = dir.join("catalog.sqlite");
    let _ = std::fs::remove_file(&path);
    let store = Store::open(&path)?;
    let mut rng = StdRng::seed_from_u64(11);
    let all = products(n, &mut rng);
    let parsed = Parsed {
        products: all
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, p)| (i as u64 + 2, p))
            .collect(),
        rejected: vec![],
    };
    let t = Instant::now();
    let report =
        store.import_products(parsed, &Actor::Unguarded, time::OffsetDateTime::now_utc())?;
    let import_s = t.elapsed().as_secs_f64();
    anyhow::ensure!(
        report.added as usize == n,
        "imported {} of {n}",
        report.added
    );

    let mut times = Vec::new();
    let mut found = 0usize;
    for k in 0..typed {
        let p = &all[rng.gen_range(0..n)];
        let text = match k % 3 {
            0 => p.name.clone(),
            1 => p.sku.to_lowercase(),
            _ => p.gtin.as_ref().map(|g| g.to_string()).unwrap_or_default(),
        };
        let chars: Vec<char> = text.chars().collect();
        for end in 1..=chars.len() {
            let typed: String = chars[..end].iter().collect();
            let t = Instant::now();
            let hits = store.search_products(&typed, None, 50)?;
            times.push(ms(t.elapsed()));
            if end == chars.len() && hits.iter().any(|h| h.sku == p.sku) {
                found += 1;
            }
        }
    }
    anyhow::ensure!(
        found == typed,
        "search found {found} of {typed} products typed in full"
    );
    let d = Dist::of(&times);
    s.target(
        "log.catalog_search.p95_ms",
        &format!("Catalogue search-as-you-type on {} products (p95)", group_thousands(n as i64)),
        d.p95,
        "ms",
        Goal::at_most(50.0, "p95 ≤ 50 ms"),
        format!(
            "{}; {} keystrokes: {typed} names, SKUs and barcodes typed a character at a time, the first 50 hits each; the import of the {} products took {import_s:.2} s",
            d.brief("ms"),
            times.len(),
            group_thousands(n as i64),
        ),
    );
    let _ = std::fs::remove_file(&path);
    Ok(())
}
