//! The desktop app's version and About box, through the real app: `kasse --version` prints the
//! version and commit and exits with no display, and the About box (Settings → About Kasse)
//! shows the same version and commit and the app's data directory, in English and Norwegian,
//! light and dark (a screenshot of each under `target/e2e-screenshots/about-LANG-THEME.png`).
//!
//! Build the app first (`cargo build -p kasse`).

use std::time::Duration;

use anyhow::{bail, Context, Result};
use fantoccini::Client;
use kasse_e2e::{kasse_bin, launch_kasse, screenshot, wait_for, within};

/// `kasse --version`'s commit.
fn version_commit() -> Result<String> {
    let out = std::process::Command::new(kasse_bin())
        .arg("--version")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .context("running kasse --version")?;
    if !out.status.success() {
        bail!("kasse --version failed: {out:?}");
    }
    let line = String::from_utf8(out.stdout)?;
    let line = line.trim();
    let commit = line
        .strip_prefix(&format!("kasse {} (commit ", env!("CARGO_PKG_VERSION")))
        .and_then(|r| r.strip_suffix(')'))
        .with_context(|| format!("not a version line: {line:?}"))?;
    Ok(commit.to_owned())
}

async fn click(c: &Client, css: &str) -> Result<()> {
    let e = wait_for(c, css).await?;
    within(&format!("clicking {css}"), e.click()).await
}

async fn text(c: &Client, css: &str) -> Result<String> {
    let e = wait_for(c, css).await?;
    within(&format!("text of {css}"), e.text()).await
}

/// Waits until nothing matches `css`.
async fn gone(c: &Client, css: &str) -> Result<()> {
    for _ in 0..100 {
        let found = within(
            "counting",
            c.execute(
                "return document.querySelectorAll(arguments[0]).length;",
                vec![serde_json::json!(css)],
            ),
        )
        .await?;
        if found.as_u64() == Some(0) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("{css} is still there")
}

/// The `<html>` element's attribute `name` (`lang`, `data-theme`).
async fn root_attr(c: &Client, name: &str) -> Result<Option<String>> {
    let v = within(
        &format!("reading <html {name}>"),
        c.execute(
            "return document.documentElement.getAttribute(arguments[0]);",
            vec![serde_json::json!(name)],
        ),
    )
    .await?;
    Ok(v.as_str().map(str::to_owned))
}

/// Saves the language in Settings and waits for the page to speak it.
async fn language(c: &Client, code: &str) -> Result<()> {
    within(
        "choosing the language",
        c.execute(
            "const s = document.querySelector('#language'); s.value = arguments[0]; \
             s.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![serde_json::json!(code)],
        ),
    )
    .await?;
    click(c, "#save-settings-btn").await?;
    wait_for(c, "#settings-saved").await?;
    for _ in 0..100 {
        if root_attr(c, "lang").await?.as_deref() == Some(code) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the page did not switch to {code}")
}

/// Sets the theme with the header's button.
async fn theme(c: &Client, dark: bool) -> Result<()> {
    let want = if dark { "dark" } else { "light" };
    for _ in 0..3 {
        if root_attr(c, "data-theme").await?.as_deref() == Some(want) {
            return Ok(());
        }
        click(c, "#theme-btn").await?;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    bail!("the theme did not become {want}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_about_box_shows_the_version_commit_and_data_directory() -> Result<()> {
    let commit = version_commit()?;
    assert!(
        commit == "unknown" || (commit.len() >= 7 && commit.bytes().all(|b| b.is_ascii_hexdigit())),
        "{commit:?}"
    );
    let app = launch_kasse("about").await?;
    let c = &app.client;
    let data_dir = app.data_dir().display().to_string();
    click(c, "#nav-settings").await?;
    for (lang, title) in [("en", "About Kasse"), ("nb", "Om Kasse")] {
        language(c, lang).await?;
        for dark in [false, true] {
            theme(c, dark).await?;
            assert_eq!(text(c, "#about-btn").await?, title);
            click(c, "#about-btn").await?;
            assert_eq!(text(c, "#about-title").await?, title);
            assert_eq!(text(c, "#about-version").await?, env!("CARGO_PKG_VERSION"));
            assert_eq!(text(c, "#about-commit").await?, commit);
            assert_eq!(text(c, "#about-data-dir").await?, data_dir);
            assert_eq!(
                text(c, "#about-log-dir").await?,
                app.data_dir().join("logs").display().to_string()
            );
            assert!(!text(c, "#about-os").await?.is_empty());
            let shade = if dark { "dark" } else { "light" };
            screenshot(c, &format!("about-{lang}-{shade}")).await?;
            click(c, "#about-close").await?;
            gone(c, "#about").await?;
        }
    }
    // The app writes its log file there.
    let logs = app.data_dir().join("logs");
    let names: Vec<String> = std::fs::read_dir(&logs)
        .with_context(|| format!("{} missing", logs.display()))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("kasse-app.") && n.ends_with(".log")),
        "{names:?}"
    );
    let _ = app.client.close().await;
    Ok(())
}
