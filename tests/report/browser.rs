//! The HTML report in a real browser: headless Chromium (Debian's `chromium`) opens the
//! report of examples/shop in a phone-sized frame, and the test asserts on the text the
//! page shows, that nothing was fetched, that the page is no wider than the phone (wide
//! tables and the picture scroll inside their own boxes) and that the picture has a size.
//! A screenshot at 390×844 is kept in `target/report-artifacts/shop.png` for a person to
//! look at, with the report beside it.
//!
//! Chromium is required when the environment variable `CI` is set (.ci/run installs it);
//! elsewhere the test prints a note and passes without it.

use super::report;
use crate::common::{available, missing, root};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "chromium";
/// A phone held upright, in CSS pixels.
const PHONE: (u32, u32) = (390, 844);

/// Run headless Chromium with ARGS and a profile of its own in PROFILE; its stdout. A run
/// over two minutes is killed and fails the test.
fn chromium(profile: &Path, args: &[String]) -> String {
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            // Containers often have a small /dev/shm, which crashes Chromium's renderer.
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let start = Instant::now();
    loop {
        match child.try_wait().expect("wait for chromium") {
            Some(_) => break,
            None if start.elapsed() > Duration::from_secs(120) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromium {args:?} did not finish in two minutes");
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    reader.join().expect("read chromium's output")
}

/// A page that frames REPORT at the phone's size and, once it has loaded, writes what the
/// frame shows into `<pre id="out">` as JSON: Chromium's `--dump-dom` then prints it.
const PROBE: &str = r#"<!DOCTYPE html><html><body>
<iframe id="r" src="shop.html" style="width:390px;height:844px;border:0"></iframe>
<pre id="out">not loaded</pre>
<script>
document.getElementById('r').addEventListener('load', function () {
  var out = document.getElementById('out');
  try {
    var d = this.contentDocument, w = this.contentWindow, svg = d.querySelector('svg');
    out.textContent = JSON.stringify({
      text: d.body.innerText,
      scroll_width: d.documentElement.scrollWidth,
      client_width: d.documentElement.clientWidth,
      svg_width: svg ? svg.getBBox().width : 0,
      fetched: w.performance.getEntriesByType('resource').map(function (e) { return e.name; })
    });
  } catch (e) { out.textContent = 'error: ' + e; }
});
</script></body></html>
"#;

/// The JSON the probe wrote, from the DOM Chromium dumped.
fn probed(dom: &str) -> serde_json::Value {
    let start = dom.find("<pre id=\"out\">").expect("the probe's output") + 14;
    let end = start
        + dom[start..]
            .find("</pre>")
            .expect("end of the probe's output");
    let text = dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("the probe said {text}: {e}"))
}

#[test]
fn html_report_renders_in_headless_chromium() {
    if !available(CHROMIUM) {
        return missing(CHROMIUM);
    }
    let artifacts = root().join("target/report-artifacts");
    std::fs::create_dir_all(&artifacts).expect("artifacts folder");
    let html = report("examples/shop", &["--format", "html"]);
    std::fs::write(artifacts.join("shop.html"), &html).expect("write the report");
    let work = tempfile::tempdir().expect("tempdir");
    std::fs::write(work.path().join("shop.html"), &html).expect("write the report");
    std::fs::write(work.path().join("probe.html"), PROBE).expect("write the probe");

    let screenshot = artifacts.join("shop.png");
    let _ = std::fs::remove_file(&screenshot);
    chromium(
        &work.path().join("profile-shot"),
        &[
            format!("--screenshot={}", screenshot.display()),
            format!("--window-size={},{}", PHONE.0, PHONE.1),
            format!("file://{}", work.path().join("shop.html").display()),
        ],
    );
    let png = std::fs::read(&screenshot).expect("chromium wrote the screenshot");
    assert!(png.starts_with(b"\x89PNG"), "the screenshot is a PNG");

    let dom = chromium(
        &work.path().join("profile-probe"),
        &[
            "--allow-file-access-from-files".to_string(),
            "--virtual-time-budget=10000".to_string(),
            "--dump-dom".to_string(),
            format!("file://{}", work.path().join("probe.html").display()),
        ],
    );
    let seen = probed(&dom);
    let text = seen["text"].as_str().expect("the page's text");
    for shown in [
        "meshward exposure report",
        "reachable by anyone",
        "Services, widest first",
        "inventory.shop\tanyone\t1\tpermissive",
        "Accepts plain-text connections",
        "GET /stock, /stock/*",
        "external:stripe",
        "Services that allow nothing",
        "None: every service allows some caller.",
        "api.stripe.com",
        "Who calls what",
    ] {
        assert!(
            text.contains(shown),
            "the page does not show {shown:?}:\n{text}"
        );
    }
    // Widest first, as shown.
    let first = text.find("inventory.shop").expect("inventory shown");
    assert!(first < text.find("frontend.web").expect("frontend shown"));
    assert_eq!(
        seen["fetched"],
        serde_json::json!([]),
        "the report fetched something"
    );
    assert!(
        seen["scroll_width"] == seen["client_width"],
        "the page is wider than the phone: {seen}"
    );
    assert!(seen["svg_width"].as_f64().unwrap_or(0.0) > 100.0, "{seen}");
}
