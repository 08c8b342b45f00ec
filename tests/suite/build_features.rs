//! The README's second command (`cargo test`) reuses every dependency its first (`cargo run`)
//! compiled: Cargo unifies the features of a crate over one build, so a test or bench
//! dependency that turns on a feature of a crate the tool uses makes the test build compile
//! that crate and everything above it again (about 90 crates, minutes on 2 cores). The root
//! `Cargo.toml` asks for those features in the tool's own build too; this test fails, naming
//! the crates and features, when a dependency change makes the two builds differ again.

use std::collections::BTreeMap;
use std::process::Command;

/// Each package of the workspace's dependency graph (host target) with the features Cargo
/// resolves for it, following the given kinds of edges.
fn features(edges: &str) -> BTreeMap<String, String> {
    let out = Command::new(env!("CARGO"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "tree",
            "--offline",
            "--locked",
            "--workspace",
            "--prefix",
            "none",
        ])
        .args(["-e", edges, "-f", "{p} [{f}]"])
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo tree -e {edges} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut map = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        // "serde v1.0.229 [alloc,default,derive]" (a workspace member also names its path).
        let Some((package, rest)) = line.split_once(" [") else {
            continue;
        };
        let (name, version) = package.split_once(' ').unwrap_or((package, ""));
        let version = version.split(' ').next().unwrap_or("");
        let feats = rest.split(']').next().unwrap_or("");
        map.insert(format!("{name} {version}"), feats.to_string());
    }
    map
}

#[test]
fn test_dependencies_turn_on_no_feature_the_tool_does_not_build_with() {
    let tool = features("normal,build");
    let tests = features("normal,build,dev");
    assert!(
        tool.len() > 100,
        "the tool's graph has {} packages",
        tool.len()
    );
    assert!(
        tool.keys().any(|k| k.starts_with("serde v")),
        "serde is in the tool's graph"
    );
    let differ: Vec<String> = tool
        .iter()
        .filter_map(|(p, f)| {
            let t = tests.get(p)?;
            (t != f).then(|| format!("{p}: tool [{f}], tests [{t}]"))
        })
        .collect();
    assert!(
        differ.is_empty(),
        "test/bench dependencies change the features of crates the tool builds, so `cargo test` \
         rebuilds them after `cargo run`; ask for these features in the root Cargo.toml:\n{}",
        differ.join("\n")
    );
}
