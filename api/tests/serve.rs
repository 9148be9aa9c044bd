//! `sportello serve` as a newcomer runs it: on an empty folder it creates and migrates the SQLite file,
//! deploys the workflows, prints where it listens and how to sign in, answers with a `dev-token`, writes
//! a signed audit checkpoint at start when `[audit]` asks for them, and stops cleanly on SIGTERM.
//! Without `--dev` and without an identity provider it refuses to start; `[audit]` settings that cannot
//! work stop it too; a workflows folder with one invalid file is refused whole, naming the file.

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
    // Signed audit checkpoints every hour, the first at start.
    assert!(sportello(dir.path()).args(["audit", "keygen", "--key", "audit.key"]).output().unwrap().status.success());
    std::fs::create_dir(dir.path().join("checkpoints")).unwrap();
    let settings = "[audit]\ncheckpoint_key = \"audit.key\"\ncheckpoint_folder = \"checkpoints\"\n";
    std::fs::write(dir.path().join("sportello.toml"), settings).unwrap();
    let mut server = sportello(dir.path())
        .args(["serve", "--dev", "--config", "sportello.toml", "--listen", "127.0.0.1:0", "--workflows", &workflows()])
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

    // The first checkpoint is written as the server starts; wait for the file, not for a time.
    let checkpoints = dir.path().join("checkpoints");
    let written = (0..200).find_map(|_| {
        let found = std::fs::read_dir(&checkpoints)
            .unwrap()
            .filter_map(Result::ok)
            .find(|e| e.file_name().to_string_lossy().starts_with("checkpoint-"));
        if found.is_none() {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        found
    });
    let written = written.expect("a checkpoint within 10 s of the start").path();
    let verify = sportello(dir.path())
        .args(["audit", "verify", "--checkpoint", written.to_str().unwrap(), "--public-key", "audit.key.pub"])
        .output()
        .unwrap();
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));

    let term = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    assert!(term.success());
    let status = server.wait().unwrap();
    assert_eq!(status.code(), Some(0), "a SIGTERM stops the server cleanly");
    let rest: Vec<String> = lines.collect();
    assert!(rest.iter().any(|l| l == "sportello: signed audit checkpoints into checkpoints every 60 min"), "{rest:#?}");
    assert!(rest.iter().any(|l| l == "sportello: stopped"), "{rest:#?}");
}

#[test]
fn checkpoint_settings_that_cannot_work_stop_a_start_before_the_database_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    for (settings, said) in [
        ("[audit]\ncheckpoint_key = \"audit.key\"\n", "audit.checkpoint_key and audit.checkpoint_folder go together"),
        (
            "[audit]\ncheckpoint_key = \"audit.key\"\ncheckpoint_folder = \"nowhere\"\n",
            "the folder nowhere does not exist",
        ),
        (
            "[audit]\ncheckpoint_key = \"missing.key\"\ncheckpoint_folder = \".\"\n",
            "cannot read the key file missing.key",
        ),
    ] {
        std::fs::write(dir.path().join("sportello.toml"), settings).unwrap();
        let output = sportello(dir.path()).args(["serve", "--dev", "--config", "sportello.toml"]).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{settings}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("invalid [audit] settings") && stderr.contains(said), "{stderr}");
        assert!(!dir.path().join("sportello.db").exists(), "{settings}");
    }
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

/// Starts `serve --dev` in `dir` with the repository's `sportello.dev.toml`, as the README has it, and
/// reads its standard error up to the printed `dev-token` command: the lines before it, and the
/// command.
fn serve_dev(dir: &Path) -> (std::process::Child, Vec<String>, String) {
    let config = format!("{}/../sportello.dev.toml", env!("CARGO_MANIFEST_DIR"));
    let mut server = sportello(dir)
        .args(["serve", "--dev", "--config", &config, "--listen", "127.0.0.1:0", "--workflows", &workflows()])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines().map_while(Result::ok);
    let mut seen = Vec::new();
    let command = loop {
        let line = lines.next().unwrap_or_else(|| panic!("the server stopped early: {seen:#?}"));
        if let Some(command) = line.trim().strip_prefix("TOKEN=$(").and_then(|c| c.strip_suffix(')')) {
            break command.to_owned();
        }
        seen.push(line);
    };
    // Keep reading, so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (server, seen, command)
}

fn stop(mut server: std::process::Child) {
    assert!(Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap().success());
    assert_eq!(server.wait().unwrap().code(), Some(0));
}

/// The demo citizen's cases as `token` lists them: each case's workflow and state, sorted.
fn citizen_cases(address: &str, token: &str) -> Vec<(String, String)> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let page: serde_json::Value = runtime.block_on(async {
        let answer = reqwest::Client::new()
            .get(format!("http://{address}/api/v1/cases"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        answer.json().await.unwrap()
    });
    let mut cases: Vec<(String, String)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["workflow"].as_str().unwrap().to_owned(), c["state"].as_str().unwrap().to_owned()))
        .collect();
    cases.sort();
    cases
}

/// Issue 23: the printed `dev-token` command must work as printed after `cargo run` (no `sportello` on
/// `PATH`, from any folder), and a new dev database must show the demo citizen a case in each state.
#[test]
fn serve_dev_seeds_an_empty_database_once_and_prints_a_token_command_that_works_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let (server, seen, command) = serve_dev(dir.path());
    let address = seen
        .iter()
        .find_map(|l| l.strip_prefix("sportello: listening on http://"))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("{seen:#?}"))
        .to_owned();
    assert!(seen.iter().any(|l| l.contains("opened 5 cases for the demo citizen")), "{seen:#?}");

    // Run as printed, by a shell in another folder, with no Sportello setting in the environment.
    let elsewhere = tempfile::tempdir().unwrap();
    let printed = sportello_testkit::cli::command("sh", elsewhere.path()).args(["-c", &command]).output().unwrap();
    assert!(printed.status.success(), "{command}: {}", String::from_utf8_lossy(&printed.stderr));
    let token = String::from_utf8(printed.stdout).unwrap().trim().to_owned();
    let expected = [
        ("building-permit", "approved"),
        ("building-permit", "documents_requested"),
        ("records-access", "submitted"),
        ("residence-certificate", "awaiting_payment"),
        ("residence-certificate", "draft"),
    ]
    .map(|(w, s)| (w.to_owned(), s.to_owned()))
    .to_vec();
    assert_eq!(citizen_cases(&address, &token), expected);
    stop(server);

    // A database with cases is never seeded again.
    let (server, seen, _) = serve_dev(dir.path());
    assert!(!seen.iter().any(|l| l.contains("opened")), "{seen:#?}");
    let address = seen
        .iter()
        .find_map(|l| l.strip_prefix("sportello: listening on http://"))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_owned();
    assert_eq!(citizen_cases(&address, &token), expected, "the same cases, none added");
    stop(server);

    let verify = sportello(dir.path()).args(["audit", "verify"]).output().unwrap();
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
}
