//! The editor set-ups of docs/editors.md, run with the real editor when it is
//! installed: the Neovim 0.7–0.9 `init.lua` is taken from the page itself,
//! so the page cannot drift from what works.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

/// The Lua block under `## Neovim 0.7 to 0.9` in docs/editors.md.
fn documented_init_lua() -> String {
    let page =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/editors.md"))
            .unwrap();
    let section = page.split("## Neovim 0.7 to 0.9").nth(1).unwrap();
    let block = section.split("```lua\n").nth(1).unwrap();
    block.split("```").next().unwrap().to_owned()
}

/// What the test prints from inside Neovim once the server has answered.
const CHECK: &str = r#"
vim.wait(30000, function() return #vim.diagnostic.get(0) > 0 end, 100)
for _, d in ipairs(vim.diagnostic.get(0)) do
  print(string.format('diagnostic %d:%d %s', d.lnum + 1, d.col + 1, d.message:sub(1, 40)))
end
vim.api.nvim_win_set_cursor(0, { 10, 11 })
local params = vim.lsp.util.make_range_params()
params.context = { diagnostics = {} }
local results = vim.lsp.buf_request_sync(0, 'textDocument/codeAction', params, 10000)
for _, r in pairs(results or {}) do
  for _, a in ipairs(r.result or {}) do print('action ' .. a.title) end
end
"#;

#[test]
fn the_documented_neovim_set_up_shows_diagnostics_and_quick_fixes() {
    let Ok(version) = Command::new("nvim").arg("--version").output() else {
        // As tests/editor_nvim.rs: CI must have it (.ci/install-tools).
        assert!(
            std::env::var("CI").ok().as_deref() != Some("true"),
            "this test needs Neovim (`nvim`), and CI must have it (.ci/install-tools)"
        );
        eprintln!("skipped: Neovim (`nvim`) is not installed (apt-get install neovim)");
        return;
    };
    assert!(version.status.success());
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fix-noproxy-append-workers");
    for name in [
        ".dvmlint.yaml",
        "proxy.yaml",
        "install-config.yaml",
        "nodes.yaml",
    ] {
        std::fs::copy(fixture.join(name), dir.path().join(name)).unwrap();
    }
    std::fs::write(dir.path().join("init.lua"), documented_init_lua()).unwrap();
    std::fs::write(dir.path().join("check.lua"), CHECK).unwrap();
    // The init.lua starts `dvmlint` from PATH, as a user's would.
    let bin = Path::new(env!("CARGO_BIN_EXE_dvmlint")).parent().unwrap();
    let path = std::env::join_paths(std::iter::once(bin.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let out = Command::new("nvim")
        .args([
            "--headless",
            "-u",
            "init.lua",
            "-c",
            "luafile check.lua",
            "-c",
            "qa!",
            "proxy.yaml",
        ])
        .current_dir(dir.path())
        .env("PATH", path)
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .output()
        .unwrap();
    // Neovim prints `print` output of a headless session on stderr.
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        printed.contains("diagnostic 10:12 worker addresses `192.168.7.21`"),
        "{printed}"
    );
    assert!(
        printed.contains("action Fix DVM201: added `192.168.7.21`, `192.168.7.22` to `noProxy`"),
        "{printed}"
    );
    assert!(
        printed.contains("action Suppress DVM201 on this line"),
        "{printed}"
    );
}
