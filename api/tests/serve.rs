//! `sportello serve` as a newcomer runs it: on an empty folder it creates and migrates the SQLite file,
//! deploys the workflows, prints where it listens and how to sign in, answers with a `dev-token`, and
//! stops cleanly on SIGTERM. Without `--dev` and without an identity provider it refuses to start, and
//! a workflows folder with one invalid file is refused whole, naming the file.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

fn sportello(dir: &Path) -> Command {
    sportello_testkit::cli::command(env!("CARGO_BIN_EXE_sportello"), dir)
}

fn workflows() -> String {
    format!("{}/../workflows", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn serve_starts_on_a_fresh_folder_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = sportello(dir.path())
        .args(["serve", "--dev", "--listen", "127.0.0.1:0", "--workflows", &workflows()])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines().map_while(Result::ok);
    let mut seen = Vec::new();
    let address = loop {
        let line = lines.next().unwrap_or_else(|| panic!("the server stopped early: {seen:#?}"));
        if let Some(rest) = line.strip_prefix("sportello: listening on http://") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
        seen.push(line);
    };
    assert_eq!(seen.iter().filter(|l| l.contains("deployed")).count(), 5, "{seen:#?}");
    assert!(dir.path().join("sportello.db").exists());

    let token =
        sportello(dir.path()).args(["dev-token", "--role", "clerk", "--office", "segreteria"]).output().unwrap();
    assert!(token.status.success(), "{}", String::from_utf8_lossy(&token.stderr));
    let token = String::from_utf8(token.stdout).unwrap().trim().to_owned();

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let health = client.get(format!("http://{address}/healthz")).send().await.unwrap();
        assert_eq!(health.status(), 200);
        let workflows =
            client.get(format!("http://{address}/api/v1/workflows")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(workflows.status(), 200);
        let list: serde_json::Value = workflows.json().await.unwrap();
        assert_eq!(list.as_array().unwrap().len(), 5);
    });

    let term = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    assert!(term.success());
    let status = server.wait().unwrap();
    assert_eq!(status.code(), Some(0), "a SIGTERM stops the server cleanly");
    assert!(lines.any(|l| l == "sportello: stopped"));
}

#[test]
fn production_mode_refuses_to_start_without_an_identity_provider() {
    let dir = tempfile::tempdir().unwrap();
    let output = sportello(dir.path()).args(["serve", "--listen", "127.0.0.1:0"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no sign-in is configured"), "{stderr}");
    assert!(!dir.path().join("sportello.db").exists(), "nothing is created before the settings are checked");
}

#[test]
fn production_mode_refuses_a_fake_provider_and_a_missing_key() {
    for (variables, named) in [
        (
            vec![("SPORTELLO_HOOKS__APP_IO__PROVIDER", "fake")],
            "hooks.app_io.provider = \"fake\" is only allowed with --dev",
        ),
        (vec![("SPORTELLO_HOOKS__APP_IO__PROVIDER", "http")], "hooks.app_io.subscription_key is missing"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut command = sportello(dir.path());
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("SPORTELLO_AUTH__ISSUER", "https://login.example.invalid");
        for (name, value) in variables {
            command.env(name, value);
        }
        let output = command.output().unwrap();
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(named), "{stderr}");
        assert!(!dir.path().join("sportello.db").exists(), "nothing is created before the hooks are checked");
    }
}

#[test]
fn a_typo_in_the_settings_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sportello.toml"), "dev = true\n[limits]\nbody_byte = 10\n").unwrap();
    let output = sportello(dir.path()).args(["serve", "--config", "sportello.toml"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("body_byte"), "{stderr}");
}

#[test]
fn serve_refuses_a_workflows_folder_with_an_invalid_file_and_deploys_none_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("wf");
    std::fs::create_dir(&folder).unwrap();
    std::fs::copy(format!("{}/records-access.yaml", workflows()), folder.join("records-access.yaml")).unwrap();
    std::fs::write(folder.join("broken.yaml"), "id: broken\nversion: 1\nstates: [\n").unwrap();

    let output = sportello(dir.path())
        .args(["serve", "--dev", "--listen", "127.0.0.1:0", "--workflows", "wf"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("1 of 2 workflow files in wf do not validate; nothing was deployed"), "{stderr}");
    assert!(stderr.contains("wf/broken.yaml:3:9: error[yaml-syntax]"), "{stderr}");
    assert!(!stderr.contains("deployed records-access"), "the valid file is not deployed either: {stderr}");
    assert!(!stderr.contains("listening on"), "{stderr}");
}

#[test]
fn the_issuer_reserved_for_dev_tokens_stops_a_start_before_the_database_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let output = sportello(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("SPORTELLO_AUTH__ISSUER", "sportello-dev")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("the issuer \"sportello-dev\" is reserved for dev sign-in"), "{stderr}");
    assert!(!dir.path().join("sportello.db").exists(), "nothing is created or migrated first");
}
