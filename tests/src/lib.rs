//! Harness for Kasse's end-to-end tests: a virtual display, WebDriver servers and the processes
//! they start, all cleaned up by process group when a test ends (or panics).
//!
//! The recipe follows `shared/tauri-notes.md` §4: spawn the driver in its own process group, poll
//! `/status` until ready, connect with fantoccini over plain HTTP, and guard every call that may
//! hang with a timeout.

use anyhow::{anyhow, bail, Context, Result};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::ops::ControlFlow;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// How long any single WebDriver call may take before the test fails with a clear message.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// A free TCP port on loopback (bound and released; good enough for test processes).
pub fn free_port() -> Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0").context("binding a free port")?;
    Ok(l.local_addr()?.port())
}

/// Sends signal `sig` (`TERM`, `KILL`) to every process of the process group `pgid`.
pub fn signal_group(pgid: u32, sig: &str) {
    let _ = Command::new("kill")
        .args(["-s", sig, "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status();
}

/// A child process in its own process group; dropping it terminates the whole group.
#[derive(Debug)]
pub struct GroupChild {
    child: Child,
    name: &'static str,
}

impl GroupChild {
    /// Spawns `cmd` as the leader of a new process group.
    pub fn spawn(name: &'static str, mut cmd: Command) -> Result<GroupChild> {
        cmd.process_group(0);
        let child = cmd
            .spawn()
            .with_context(|| format!("could not start {name} ({:?})", cmd.get_program()))?;
        Ok(GroupChild { child, name })
    }

    /// The process id (also the process group id).
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    fn signal_group(&self, sig: &str) {
        signal_group(self.child.id(), sig);
    }

    /// Takes the child's piped stdout, if it was piped.
    pub fn take_stdout(&mut self) -> Option<ChildStdout> {
        self.child.stdout.take()
    }
}

impl Drop for GroupChild {
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        self.signal_group("TERM");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("harness: {} did not stop on SIGTERM, killing it", self.name);
        self.signal_group("KILL");
        let _ = self.child.wait();
    }
}

/// A virtual X display (1280×800×24) for the duration of a test or a benchmark (or the one in
/// `$DISPLAY`).
#[derive(Debug)]
pub struct Display {
    pub name: String,
    _xvfb: Option<GroupChild>,
    _pipe: Option<ChildStdout>,
}

impl Display {
    /// Uses `$DISPLAY` when set, otherwise starts `Xvfb -displayfd 1` and reads its number.
    pub fn get() -> Result<Display> {
        if let Ok(name) = std::env::var("DISPLAY") {
            if !name.is_empty() {
                return Ok(Display {
                    name,
                    _xvfb: None,
                    _pipe: None,
                });
            }
        }
        Display::start()
    }

    /// Starts a private `Xvfb -displayfd 1` and reads its number.
    pub fn start() -> Result<Display> {
        let mut cmd = Command::new("Xvfb");
        cmd.args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x800x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
        let mut xvfb = GroupChild::spawn("Xvfb", cmd).context(
            "Xvfb is needed (apt-get install xvfb; `cargo xtask test` and `cargo xtask bench` install it)",
        )?;
        let pipe = xvfb.take_stdout().ok_or_else(|| anyhow!("Xvfb stdout"))?;
        let mut reader = BufReader::new(pipe);
        let mut line = String::new();
        reader
            .read_line(&mut line)
            .context("reading Xvfb's display number")?;
        let n = line.trim();
        if n.is_empty() {
            bail!("Xvfb did not report a display number");
        }
        Ok(Display {
            name: format!(":{n}"),
            _xvfb: Some(xvfb),
            _pipe: Some(reader.into_inner()),
        })
    }
}

/// A running WebDriver server (chromedriver or WebKitWebDriver).
#[derive(Debug)]
pub struct Driver {
    pub url: String,
    _child: GroupChild,
}

impl Driver {
    /// Starts `program` with `args` (which must make it listen on `port`) and waits until ready.
    pub async fn start(
        name: &'static str,
        mut cmd: Command,
        port: u16,
        display: Option<&Display>,
    ) -> Result<Driver> {
        if let Some(d) = display {
            cmd.env("DISPLAY", &d.name);
        }
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
        let child = GroupChild::spawn(name, cmd)?;
        let url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = http.get(format!("{url}/status")).send().await {
                if let Ok(v) = r.json::<serde_json::Value>().await {
                    if v["value"]["ready"].as_bool().unwrap_or(false) {
                        break;
                    }
                }
            }
            if Instant::now() > deadline {
                bail!("{name} did not become ready on port {port} within 20 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(Driver { url, _child: child })
    }

    /// chromedriver for Debian's Chromium (`/usr/bin/chromium`), headless.
    pub async fn chromium() -> Result<(Driver, fantoccini::Client)> {
        let port = free_port()?;
        let mut cmd = Command::new(which("chromedriver")?);
        cmd.arg(format!("--port={port}"));
        let driver = Driver::start("chromedriver", cmd, port, None).await?;
        let profile = std::env::temp_dir().join(format!("kasse-e2e-chromium-{port}"));
        let caps = serde_json::json!({
            "goog:chromeOptions": {
                "binary": which("chromium")?.to_string_lossy(),
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1024,900",
                    format!("--user-data-dir={}", profile.display()),
                ]
            }
        });
        let client = driver.connect(caps).await?;
        Ok((driver, client))
    }

    /// Opens a WebDriver session with the given capabilities.
    pub async fn connect(&self, caps: serde_json::Value) -> Result<fantoccini::Client> {
        let caps = match caps {
            serde_json::Value::Object(m) => m,
            _ => bail!("capabilities must be a JSON object"),
        };
        let mut builder = fantoccini::ClientBuilder::new(
            hyper_util::client::legacy::connect::HttpConnector::new(),
        );
        builder.capabilities(caps);
        let fut = builder.connect(&self.url);
        let client = tokio::time::timeout(CALL_TIMEOUT, fut)
            .await
            .map_err(|_| anyhow!("WebDriver session did not open within {CALL_TIMEOUT:?}"))?
            .context("opening a WebDriver session")?;
        Ok(client)
    }
}

/// Finds an executable on `$PATH` (or the usual Debian location).
pub fn which(name: &str) -> Result<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path).chain([PathBuf::from("/usr/bin")]) {
        let p = dir.join(name);
        if p.is_file() {
            return Ok(p);
        }
    }
    bail!(
        "`{name}` not found on PATH: run `cargo xtask setup` (or `cargo xtask test`) to install it"
    )
}

/// How long [`poll`] (and [`wait_for`]) wait for the app to get where a test expects it.
pub const POLL_TIMEOUT: Duration = Duration::from_secs(20);

/// Asks `check` every 100 ms until it answers `Break` (its value is returned), for at most
/// [`POLL_TIMEOUT`]; then saves `target/e2e-screenshots/failure.png` and fails with what the
/// last `Continue` said. An error from `check` ends the wait at once.
pub async fn poll<T>(
    c: &fantoccini::Client,
    mut check: impl AsyncFnMut() -> Result<ControlFlow<T, String>>,
) -> Result<T> {
    let deadline = Instant::now() + POLL_TIMEOUT;
    loop {
        let why = match check().await? {
            ControlFlow::Break(done) => return Ok(done),
            ControlFlow::Continue(why) => why,
        };
        if Instant::now() > deadline {
            let _ = screenshot(c, "failure").await;
            bail!("{why} (after {POLL_TIMEOUT:?}; screenshot: target/e2e-screenshots/failure.png)");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What a [`poll`] check answers: `value` once `done`, else what `why` says is still missing.
pub fn until<T>(done: bool, value: T, why: impl FnOnce() -> String) -> ControlFlow<T, String> {
    if done {
        ControlFlow::Break(value)
    } else {
        ControlFlow::Continue(why())
    }
}

/// Waits (see [`poll`]) until `read` answers `expected`; `what` names the reading when it
/// never does.
pub async fn wait_equal<T: PartialEq + std::fmt::Debug>(
    c: &fantoccini::Client,
    what: &str,
    expected: T,
    mut read: impl AsyncFnMut() -> Result<T>,
) -> Result<()> {
    poll(c, async || {
        let now = read().await?;
        Ok(until(now == expected, (), || {
            format!("{what}: {now:?}, expected {expected:?}")
        }))
    })
    .await
}

/// Runs a future with [`CALL_TIMEOUT`], naming what timed out.
pub async fn within<T, E: Into<anyhow::Error>>(
    what: &str,
    fut: impl std::future::Future<Output = std::result::Result<T, E>>,
) -> Result<T> {
    match tokio::time::timeout(CALL_TIMEOUT, fut).await {
        Ok(r) => r.map_err(Into::into).with_context(|| what.to_string()),
        Err(_) => bail!("{what}: no answer within {CALL_TIMEOUT:?}"),
    }
}

/// Saves a screenshot under `target/e2e-screenshots/NAME.png`.
pub async fn screenshot(client: &fantoccini::Client, name: &str) -> Result<PathBuf> {
    let png = within("taking a screenshot", client.screenshot()).await?;
    let dir = workspace_root().join("target").join("e2e-screenshots");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, png)?;
    Ok(path)
}

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// A temporary directory removed on drop.
#[derive(Debug)]
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A fresh, empty directory under the system temp dir.
    pub fn fresh(name: &str) -> TempDir {
        let d = std::env::temp_dir().join(format!("kasse-e2e-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        TempDir(d)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The desktop app in demo mode, launched by WebKitWebDriver on its own display, with its own
/// data directory; everything stops when this is dropped.
#[derive(Debug)]
pub struct KasseApp {
    pub client: fantoccini::Client,
    _driver: Driver,
    _display: Display,
    _data: TempDir,
}

impl KasseApp {
    /// The app's data directory.
    pub fn data_dir(&self) -> &Path {
        &self._data.0
    }
}

/// The desktop app's binary: `$KASSE_APP_BIN`, else `target/debug/kasse`.
pub fn kasse_bin() -> PathBuf {
    std::env::var("KASSE_APP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace_root().join("target/debug/kasse"))
}

/// Launches `target/debug/kasse` (or `$KASSE_APP_BIN`) in demo mode and waits until the UI says
/// it is ready (`body[data-ready='1']`). `name` keeps data directories and screenshots apart.
pub async fn launch_kasse(name: &str) -> Result<KasseApp> {
    let bin = kasse_bin();
    if !bin.exists() {
        bail!(
            "{} is missing: run `cargo build -p kasse` first (cargo xtask test does)",
            bin.display()
        );
    }
    let display = Display::get()?;
    let data = TempDir::fresh(name);
    let port = free_port()?;
    let mut cmd = Command::new(which("WebKitWebDriver")?);
    cmd.arg(format!("--port={port}"))
        .env("TAURI_WEBVIEW_AUTOMATION", "true")
        .env("KASSE_DEMO", "1")
        .env("KASSE_DATA_DIR", &data.0)
        // Either variable makes WebKitWebDriver's screenshot call hang (tauri-notes §3).
        .env_remove("WEBKIT_DISABLE_DMABUF_RENDERER")
        .env_remove("WEBKIT_DISABLE_COMPOSITING_MODE");
    let driver = Driver::start("WebKitWebDriver", cmd, port, Some(&display)).await?;
    let client = driver
        .connect(serde_json::json!({"webkitgtk:browserOptions": {"binary": bin.to_string_lossy(), "args": []}}))
        .await?;
    let app = KasseApp {
        client,
        _driver: driver,
        _display: display,
        _data: data,
    };
    wait_for(&app.client, "body[data-ready='1']").await?;
    Ok(app)
}

/// Waits until `css` matches an element (polling, each WebDriver call time-boxed); on failure
/// saves `target/e2e-screenshots/failure.png`.
pub async fn wait_for(c: &fantoccini::Client, css: &str) -> Result<fantoccini::elements::Element> {
    poll(c, async || {
        let find = c.find(fantoccini::Locator::Css(css));
        Ok(
            match tokio::time::timeout(Duration::from_secs(5), find).await {
                Ok(Ok(e)) => ControlFlow::Break(e),
                _ => ControlFlow::Continue(format!("nothing matched {css}")),
            },
        )
    })
    .await
}

/// Waits until the text of `css` contains `part` (it is re-rendered with each answer); the text.
pub async fn wait_text(c: &fantoccini::Client, css: &str, part: &str) -> Result<String> {
    poll(c, async || {
        let e = wait_for(c, css).await?;
        let text = within(&format!("text of {css}"), e.text())
            .await
            .unwrap_or_default();
        Ok(until(text.contains(part), text.clone(), || {
            format!("{css} never said {part:?}: {text:?}")
        }))
    })
    .await
}

/// Clicks `css` (waiting for it); when it was re-rendered under us or is covered, clicks the
/// current one from the page.
pub async fn click(c: &fantoccini::Client, css: &str) -> Result<()> {
    let e = wait_for(c, css).await?;
    if within(&format!("clicking {css}"), e.click()).await.is_ok() {
        return Ok(());
    }
    within(
        &format!("clicking {css} from the page"),
        c.execute(
            "document.querySelector(arguments[0]).click();",
            vec![serde_json::json!(css)],
        ),
    )
    .await
    .map(|_| ())
}

/// The attribute `name` of the element at `css` (waiting for it).
pub async fn attr(c: &fantoccini::Client, css: &str, name: &str) -> Result<Option<String>> {
    let e = wait_for(c, css).await?;
    within(&format!("reading {css}[{name}]"), e.attr(name)).await
}

/// Clears the field at `css` and types `text` into it.
pub async fn type_into(c: &fantoccini::Client, css: &str, text: &str) -> Result<()> {
    let e = wait_for(c, css).await?;
    within(&format!("clearing {css}"), e.clear()).await?;
    within(&format!("typing into {css}"), e.send_keys(text)).await
}

/// Calls a Tauri command from the page, as the UI does, and returns its answer.
pub async fn invoke(
    c: &fantoccini::Client,
    cmd: &str,
    args: serde_json::Value,
) -> Result<serde_json::Value> {
    within(
        &format!("invoking {cmd}"),
        c.execute(
            "return window.__TAURI__.core.invoke(arguments[0], arguments[1]);",
            vec![serde_json::json!(cmd), args],
        ),
    )
    .await
}

/// Types `pin` into the app's PIN prompt and presses OK.
pub async fn enter_pin(c: &fantoccini::Client, pin: &str) -> Result<()> {
    type_into(c, "#pin-prompt-input", pin).await?;
    click(c, "#pin-ok-btn").await
}

/// Chooses the language `lang` in Settings and saves it; returns once the page speaks it.
pub async fn choose_language(c: &fantoccini::Client, lang: &str) -> Result<()> {
    click(c, "#nav-settings").await?;
    let language = wait_for(c, "#language").await?;
    within(&format!("choosing {lang}"), language.select_by_value(lang)).await?;
    click(c, "#save-settings-btn").await?;
    wait_for(c, &format!("html[lang='{lang}']")).await?;
    Ok(())
}

/// The languages and themes a changed screen is photographed in: English and Norwegian, light
/// and dark.
pub const LOOKS: [(&str, &str); 4] = [
    ("en", "light"),
    ("en", "dark"),
    ("nb", "light"),
    ("nb", "dark"),
];

/// Reloads the page at `hash` (`#/day`) in `lang` and `theme` and waits until `ready` (a CSS
/// selector) matches in that theme. The theme is in the query too, only so that every step is
/// a new page load.
pub async fn reload_in(
    c: &fantoccini::Client,
    lang: &str,
    theme: &str,
    hash: &str,
    ready: &str,
) -> Result<fantoccini::elements::Element> {
    let go = "localStorage.setItem('kasse.theme', arguments[0]); location.replace(\
              location.pathname + '?lang=' + arguments[1] + '&theme=' + arguments[0] + arguments[2]);";
    within(
        "reloading",
        c.execute(go, vec![json!(theme), json!(lang), json!(hash)]),
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    wait_for(c, &format!("html[data-theme='{theme}'] {ready}")).await
}

/// In the pay window: waits for the checkout that Dintero's Web SDK embeds on Kasse's page
/// (`#checkout iframe`) and switches into it; switching to a window leaves it again.
pub async fn enter_checkout(c: &fantoccini::Client) -> Result<()> {
    let frame = wait_for(c, "#checkout iframe").await?;
    within("entering the checkout's iframe", frame.enter_frame()).await
}
