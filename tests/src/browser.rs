//! Headless Chromium for end-to-end tests of the pages: [`Browser::start`] launches chromedriver and a
//! fresh Chromium profile for one test, and the helpers drive a page the way a citizen would (`goto`,
//! `fill`, `select`, `check`, `click`, `submit`, `wait_for`), read it back (`text`, `current_url`), save
//! numbered screenshots and check accessibility with axe-core. With `TEST_BROWSER` set (CI sets it) the
//! tools must be installed; otherwise a test without them prints one skip line. Artifacts (screenshots,
//! axe reports, chromedriver's output) go to `target/browser-artifacts/<test>/` (`$CARGO_TARGET_DIR`
//! when set); helpers panic with what they were doing, like the rest of the harness.

mod axe;
mod driver;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

pub use axe::Violation;
use driver::{Driver, Tools};

/// How long [`Browser::wait_for`] waits for an element at most. It returns as soon as the element is
/// there, so a generous bound costs nothing on a passing run and leaves room for a Chromium started
/// cold on a 2-core machine busy with other tests.
const WAIT: Duration = Duration::from_secs(20);

/// One headless Chromium, driven through chromedriver; both stop when it is dropped, panic or not.
pub struct Browser {
    client: Client,
    artifacts: PathBuf,
    axe: PathBuf,
    shots: AtomicU32,
    // Dropped in this order: the session ends and chromedriver stops before the profile is removed.
    driver: Driver,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts a browser for the test `test` (which names its artifact folder), or returns `None` after a
    /// skip line when the tools are missing and `TEST_BROWSER` is unset.
    pub async fn start(test: &str) -> Option<Browser> {
        let tools = Tools::find(test)?;
        let artifacts = target_dir().join("browser-artifacts").join(file_name(test));
        if artifacts.exists() {
            std::fs::remove_dir_all(&artifacts).unwrap_or_else(|e| panic!("clear {}: {e}", artifacts.display()));
        }
        std::fs::create_dir_all(&artifacts).unwrap_or_else(|e| panic!("create {}: {e}", artifacts.display()));
        let profile = tempfile::Builder::new().prefix("sportello-chromium-").tempdir().expect("a profile folder");
        let mut driver = Driver::start(&tools.chromedriver, &artifacts.join("chromedriver.log")).await;

        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), chrome_options(&tools.chrome, profile.path()));
        let client =
            match ClientBuilder::new(HttpConnector::new()).capabilities(capabilities).connect(&driver.url()).await {
                Ok(client) => client,
                Err(e) => {
                    panic!("start Chromium through chromedriver: {e}; chromedriver's output:\n{}", driver.output())
                }
            };
        driver.set_session(client.session_id().await.expect("the session id"));
        Some(Browser { client, artifacts, axe: tools.axe, shots: AtomicU32::new(0), driver, _profile: profile })
    }

    /// The fantoccini client, for what the helpers do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Opens `url` and waits until it has loaded.
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    /// The address of the page shown now.
    pub async fn current_url(&self) -> String {
        self.client.current_url().await.expect("the current URL").to_string()
    }

    /// Replaces the text of the field at `css` with `text`.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap_or_else(|e| panic!("clear {css}: {e}"));
        field.send_keys(text).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Chooses the file at `path` in the file input at `css`, as a person does in the file picker.
    pub async fn attach(&self, css: &str, path: &Path) {
        let path = path.to_str().unwrap_or_else(|| panic!("{} is not UTF-8", path.display()));
        self.find(css).await.send_keys(path).await.unwrap_or_else(|e| panic!("choose {path} in {css}: {e}"));
    }

    /// Chooses the option with `value` in the `<select>` at `css`.
    pub async fn select(&self, css: &str, value: &str) {
        self.find(css).await.select_by_value(value).await.unwrap_or_else(|e| panic!("select {value:?} in {css}: {e}"));
    }

    /// Ticks the checkbox or radio button at `css` (left as is when already ticked).
    pub async fn check(&self, css: &str) {
        let input = self.find(css).await;
        if !input.is_selected().await.unwrap_or_else(|e| panic!("read {css}: {e}")) {
            input.click().await.unwrap_or_else(|e| panic!("tick {css}: {e}"));
        }
    }

    /// Clicks the element at `css`. A link or button that loads a page may still be loading when this
    /// returns: [`Browser::click_and_leave`] waits for the page to be left.
    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Clicks the element at `css`, a link or a form's button, and waits (at most [`WAIT`]) until the
    /// browser has left the page it was on. A form that is posted and redirected can still be loading
    /// when the click returns: an element looked for next could be found on the old page, and what is
    /// read or done after it would meet the old page, or one half replaced.
    pub async fn click_and_leave(&self, css: &str) {
        let page = self.find("html").await;
        self.click(css).await;
        let deadline = std::time::Instant::now() + WAIT;
        // The old page's root element goes stale once a new document has replaced it.
        while page.tag_name().await.is_ok() {
            if std::time::Instant::now() > deadline {
                panic!("clicked {css}, still on {} after {WAIT:?}", self.current_url().await);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Submits the form at `css` with its first submit button, as a click on it would.
    pub async fn submit(&self, css: &str) {
        let form = self.client.form(Locator::Css(css)).await.unwrap_or_else(|e| panic!("find form {css}: {e}"));
        form.submit().await.unwrap_or_else(|e| panic!("submit {css}: {e}"));
    }

    /// Resizes the window to `width` × `height` CSS pixels (390 × 844 is a phone's).
    pub async fn resize(&self, width: u32, height: u32) {
        self.client.set_window_size(width, height).await.unwrap_or_else(|e| panic!("resize to {width}x{height}: {e}"));
    }

    /// What is wider than the window on the page shown now: each table wider than the viewport (its
    /// caption and width), and the page itself if it scrolls sideways. Empty when everything fits.
    pub async fn wider_than_the_window(&self) -> Vec<String> {
        const SCRIPT: &str = "const w = document.documentElement.clientWidth; \
            const wide = [...document.querySelectorAll('table')] \
              .map(t => [t.caption ? t.caption.textContent.trim() : t.id, Math.ceil(t.getBoundingClientRect().width)]) \
              .filter(([, width]) => width > w).map(([name, width]) => `table ${name}: ${width} px of ${w}`); \
            const page = document.documentElement.scrollWidth; \
            if (page > w) wide.push(`the page: ${page} px of ${w}, past its edge: ` + [...document.querySelectorAll('body *')] \
              .filter(e => e.getBoundingClientRect().right > w + 1).slice(0, 5) \
              .map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.className ? '.' + e.className : ''}`).join(', ')); \
            return wide;";
        let found = self.client.execute(SCRIPT, vec![]).await.expect("measure the page");
        found.as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_owned)).collect()
    }

    /// The visible text of the element at `css`.
    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap_or_else(|e| panic!("read the text of {css}: {e}"))
    }

    /// Waits (at most [`WAIT`]) until an element matches `css`.
    pub async fn wait_for(&self, css: &str) {
        if let Err(e) = self.client.wait().at_most(WAIT).for_element(Locator::Css(css)).await {
            panic!("wait for {css} on {}: {e}", self.current_url().await);
        }
    }

    /// Waits (at most [`WAIT`]) until no element matches `css`: the page that had one has been left.
    /// A click that posts a form and is redirected can still be loading when the click returns, and a
    /// `goto` issued meanwhile would be overtaken by it.
    pub async fn wait_until_gone(&self, css: &str) {
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            // An error here means the document is being replaced: not gone yet, ask again.
            if self.client.find_all(Locator::Css(css)).await.is_ok_and(|found| found.is_empty()) {
                return;
            }
            if std::time::Instant::now() > deadline {
                panic!("{css} still on {} after {WAIT:?}", self.current_url().await);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Saves the viewport as `NN-<name>.png` in the test's artifact folder (NN counts this browser's
    /// artifacts from 01) and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
        let path = self.artifact(name, "png");
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }

    /// Runs axe-core on the page shown now and returns every violation, whatever its impact. Saves a
    /// screenshot `NN-<page_name>.png` and axe's full result `NN-<page_name>.axe.json` beside it.
    pub async fn accessibility_violations(&self, page_name: &str) -> Vec<Violation> {
        self.report(page_name).await.1
    }

    /// Panics listing every serious or critical violation axe-core finds on the page shown now (see
    /// [`Browser::accessibility_violations`] for the files it saves).
    pub async fn assert_accessible(&self, page_name: &str) {
        let (report, violations) = self.report(page_name).await;
        let serious: Vec<String> =
            violations.iter().filter(|v| v.is_serious()).map(|v| format!("  - {}", v.summary())).collect();
        if !serious.is_empty() {
            panic!(
                "page {page_name:?} has {} serious or critical accessibility violations (report: {}):\n{}",
                serious.len(),
                report.display(),
                serious.join("\n")
            );
        }
    }

    /// Ends the session and stops the browser now, reporting a failure to do so.
    pub async fn close(mut self) {
        let client = self.client.clone();
        client.close().await.expect("close the browser session");
        self.driver.set_session(None);
    }

    async fn report(&self, page_name: &str) -> (PathBuf, Vec<Violation>) {
        let loaded = self.client.execute("return typeof window.axe === 'object';", vec![]).await;
        if loaded.expect("ask whether axe-core is loaded") != Value::Bool(true) {
            let source =
                std::fs::read_to_string(&self.axe).unwrap_or_else(|e| panic!("read {}: {e}", self.axe.display()));
            self.client.execute(&source, vec![]).await.unwrap_or_else(|e| panic!("load axe-core: {e}"));
        }
        let result = self.client.execute_async(axe::RUN, vec![json!(axe::TAGS)]).await;
        let json = match result.unwrap_or_else(|e| panic!("run axe-core on {page_name:?}: {e}")) {
            Value::String(json) => json,
            other => panic!("axe-core on {page_name:?} answered {other}"),
        };
        let screenshot = self.screenshot(page_name).await;
        let report = screenshot.with_extension("axe.json");
        std::fs::write(&report, &json).unwrap_or_else(|e| panic!("write {}: {e}", report.display()));
        let violations = axe::violations(&json).unwrap_or_else(|e| panic!("axe-core on {page_name:?}: {e}"));
        (report, violations)
    }

    async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => panic!("find {css} on {}: {e}", self.current_url().await),
        }
    }

    fn artifact(&self, name: &str, extension: &str) -> PathBuf {
        let number = self.shots.fetch_add(1, Ordering::Relaxed) + 1;
        self.artifacts.join(format!("{number:02}-{}.{extension}", file_name(name)))
    }
}

/// chromedriver's options for Chromium: headless, and without the background traffic (updates, sync,
/// QUIC) that a closed network refuses; a fresh profile in `profile`.
fn chrome_options(chrome: &Path, profile: &Path) -> Value {
    json!({
        "binary": chrome,
        "args": [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
            format!("--user-data-dir={}", profile.display()),
        ],
    })
}

/// The workspace's root folder (this crate's parent).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the tests crate sits in the workspace").to_owned()
}

/// `$CARGO_TARGET_DIR` (relative to the workspace when relative), or the workspace's `target/`.
fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|dir| !dir.is_empty()) {
        Some(dir) => workspace_root().join(dir),
        None => workspace_root().join("target"),
    }
}

/// `name` with anything but letters, digits, `-` and `_` replaced by `-`, safe as a file name.
fn file_name(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect()
}
