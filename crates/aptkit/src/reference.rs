//! What is generated from the command definitions: the man pages, the shell
//! completion scripts and docs/cli.md. `aptkit man` and `aptkit completions`
//! print them; copies are committed under docs/, and a test fails when those
//! are stale (`APTKIT_UPDATE_DOCS=1 cargo test -p aptkit cli_reference`
//! rewrites them).

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

/// aptkit's commands as the manual has them: no `help` command (`--help`
/// is on every page), and each named for its page, as git's are:
/// `aptkit repo add` is aptkit-repo-add(1).
pub fn man_tree() -> clap::Command {
    let mut root = Cli::command().disable_help_subcommand(true);
    root.build();
    root
}

/// A page in roff, for `man`.
pub fn man_page(page: &clap::Command) -> Vec<u8> {
    let mut roff = Vec::new();
    // The footer names the program, not the command (`add` alone says little).
    let source = format!("aptkit {}", env!("CARGO_PKG_VERSION"));
    clap_mangen::Man::new(page.clone()).source(source).render(&mut roff).expect("writing to memory cannot fail");
    roff
}

pub fn completion_script(shell: Shell) -> Vec<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "aptkit", &mut script);
    script
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};
    use std::process::Command;

    use super::*;

    /// Every page of the manual: aptkit's own, then one per command, depth first.
    fn man_pages() -> Vec<clap::Command> {
        fn collect(cmd: &clap::Command, pages: &mut Vec<clap::Command>) {
            pages.push(cmd.clone());
            for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
                collect(sub, pages);
            }
        }
        let mut pages = Vec::new();
        collect(&man_tree(), &mut pages);
        pages
    }

    /// A page's file name, e.g. `aptkit-repo-add.1`.
    fn man_page_name(page: &clap::Command) -> String {
        clap_mangen::Man::new(page.clone()).get_filename()
    }

    /// docs/cli.md: every command's `--help`, in one page.
    fn cli_markdown() -> String {
        fn render(cmd: &mut clap::Command, path: &str, doc: &mut String) {
            let help = cmd.render_long_help().to_string();
            doc.push_str(&format!("\n## `{path}`\n\n```text\n{}\n```\n", help.trim_end()));
            for sub in cmd.get_subcommands_mut().filter(|s| s.get_name() != "help") {
                let name = format!("{path} {}", sub.get_name());
                render(sub, &name, doc);
            }
        }
        let mut doc = String::from(
            "# aptkit command reference\n\nGenerated from the command definitions; do not edit by hand.\n",
        );
        let mut cmd = Cli::command();
        cmd.build();
        render(&mut cmd, "aptkit", &mut doc);
        doc
    }

    /// The shells whose scripts are committed.
    const SHELLS: [(Shell, &str); 3] =
        [(Shell::Bash, "aptkit.bash"), (Shell::Zsh, "_aptkit"), (Shell::Fish, "aptkit.fish")];

    fn docs() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs")
    }

    /// Every generated file under docs/, by path, with its contents.
    fn generated() -> BTreeMap<PathBuf, Vec<u8>> {
        let mut files = BTreeMap::new();
        files.insert(docs().join("cli.md"), cli_markdown().into_bytes());
        for page in man_pages() {
            files.insert(docs().join("man").join(man_page_name(&page)), man_page(&page));
        }
        for (shell, name) in SHELLS {
            files.insert(docs().join("completions").join(name), completion_script(shell));
        }
        files
    }

    /// The committed files must be exactly what the definitions generate,
    /// with no page left over from a command that is gone.
    #[test]
    fn cli_reference_is_up_to_date() {
        let files = generated();
        let committed_pages: Vec<PathBuf> = std::fs::read_dir(docs().join("man"))
            .map(|dir| dir.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default();
        if std::env::var_os("APTKIT_UPDATE_DOCS").is_some() {
            for page in committed_pages.iter().filter(|p| !files.contains_key(*p)) {
                std::fs::remove_file(page).unwrap();
            }
            for (path, contents) in &files {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, contents).unwrap();
            }
        }
        let mut stale: Vec<String> = files
            .iter()
            .filter(|(path, contents)| std::fs::read(path).ok().as_ref() != Some(*contents))
            .map(|(path, _)| path.strip_prefix(docs()).unwrap().display().to_string())
            .collect();
        if std::env::var_os("APTKIT_UPDATE_DOCS").is_none() {
            stale.extend(
                committed_pages
                    .iter()
                    .filter(|p| !files.contains_key(*p))
                    .map(|p| format!("{} (no such command)", p.strip_prefix(docs()).unwrap().display())),
            );
        }
        assert!(
            stale.is_empty(),
            "stale under docs/: {}; run `APTKIT_UPDATE_DOCS=1 cargo test -p aptkit cli_reference`",
            stale.join(", ")
        );
    }

    #[test]
    fn man_pages_render_without_warnings() {
        for page in man_pages() {
            let name = man_page_name(&page);
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join(&name);
            std::fs::write(&file, man_page(&page)).unwrap();
            // -ww: every warning; -z: format, but throw the output away.
            let out = Command::new("groff")
                .args(["-man", "-Tutf8", "-ww", "-z"])
                .arg(&file)
                .output()
                .expect("groff (scripts/install-test-tools.sh installs it)");
            assert!(out.status.success() && out.stderr.is_empty(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
            // As a reader sees it: man's own formatting of the file.
            let out = Command::new("man")
                .arg("-l")
                .arg(&file)
                .env("MANWIDTH", "80")
                .output()
                .expect("man (scripts/install-test-tools.sh installs it)");
            // Justified text has runs of spaces.
            let text = String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
            // The header names the page: `aptkit-repo-add(1)`.
            let title = format!("{}(1)", name.trim_end_matches(".1"));
            assert!(text.starts_with(&title) && text.contains("SYNOPSIS"), "{name} renders as:\n{text}");
        }
    }

    #[test]
    fn bash_accepts_the_completion_script() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("aptkit.bash");
        std::fs::write(&file, completion_script(Shell::Bash)).unwrap();
        let out = Command::new("bash").arg("-n").arg(&file).output().unwrap();
        assert!(out.status.success(), "bash -n: {}", String::from_utf8_lossy(&out.stderr));
        // Sourced, it registers a completion for aptkit.
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!("source {} && complete -p aptkit", file.display()))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("aptkit"));
    }
}
