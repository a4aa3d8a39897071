//! The real `git` binary, plumbing commands only (`rev-parse`, `ls-tree`,
//! `cat-file`, `for-each-ref`, `symbolic-ref`): their output does not depend
//! on porcelain configuration (pagers, colours, `log.showSignature`). Replace
//! refs are ignored, and the `GIT_DIR`-style variables of the caller's
//! environment are dropped, so that `--git DIR` means that directory and
//! what is read depends on the objects alone.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::thread::JoinHandle;

use super::error::{Error, Result};

/// Variables that would make git read another repository than the one named.
const REPOSITORY_ENV: [&str; 7] = [
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_COMMON_DIR",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_NAMESPACE",
];

/// One repository, by the directory it was named by.
pub(crate) struct Repo {
    dir: PathBuf,
    /// The directory name a tarball is named after when nothing else names it.
    dir_name: String,
}

/// One line of `git ls-tree -r -t -z`.
pub(crate) struct TreeEntry {
    pub mode: String,
    pub oid: String,
    /// As git stores it (bytes: git paths need not be UTF-8).
    pub path: Vec<u8>,
}

impl Repo {
    /// `dir` must be the top of a working tree or a git directory (bare or
    /// `.git`): a directory inside a working tree is refused rather than
    /// taken for the whole repository.
    pub fn open(dir: &Path) -> Result<Repo> {
        let not_repo = |reason: String| Error::NotARepository { dir: dir.to_path_buf(), reason };
        if !dir.is_dir() {
            return Err(not_repo("no such directory".to_string()));
        }
        let repo = Repo { dir: dir.to_path_buf(), dir_name: String::new() };
        let out = repo.output(&["rev-parse", "--absolute-git-dir", "--is-bare-repository"])?;
        if !out.status.success() {
            return Err(not_repo(stderr_reason(&out)));
        }
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let mut lines = text.lines();
        let git_dir = PathBuf::from(lines.next().unwrap_or_default());
        let bare = lines.next() == Some("true");
        let here = dir.canonicalize().map_err(|e| not_repo(e.to_string()))?;
        let named = if git_dir.canonicalize().ok().as_deref() == Some(here.as_path()) {
            // A bare repository `proj.git`, or the `.git` of `proj`.
            let base = file_name(&here);
            match base.strip_suffix(".git") {
                Some("") => here.parent().map(file_name).unwrap_or_default(),
                Some(stem) => stem.to_string(),
                None => base,
            }
        } else if bare {
            return Err(not_repo(format!("it lies inside the bare repository `{}`", git_dir.display())));
        } else {
            let top = PathBuf::from(repo.stdout_text(&["rev-parse", "--show-toplevel"])?);
            if top.canonicalize().ok().as_deref() != Some(here.as_path()) {
                return Err(not_repo(format!(
                    "it lies inside the working tree `{}`: pass that directory",
                    top.display()
                )));
            }
            file_name(&here)
        };
        Ok(Repo { dir_name: named, ..repo })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn dir_name(&self) -> &str {
        &self.dir_name
    }

    /// The commit `git_ref` names (a branch, a tag, a commit id, `HEAD~2`…).
    pub fn resolve(&self, git_ref: &str) -> Result<String> {
        let spec = format!("{git_ref}^{{commit}}");
        let out = self.output(&["rev-parse", "--verify", "--quiet", "--end-of-options", &spec])?;
        if out.status.success() {
            return Ok(String::from_utf8_lossy(&out.stdout).trim().to_string());
        }
        let exists = self.output(&["rev-parse", "--verify", "--quiet", "--end-of-options", git_ref])?.status.success();
        Err(Error::UnresolvedRef {
            git_ref: git_ref.to_string(),
            dir: self.dir.clone(),
            reason: if exists { "it names no commit".into() } else { "no branch, tag or commit has that name".into() },
        })
    }

    /// The commit of tag `tag`, which must exist.
    pub fn tag(&self, tag: &str) -> Result<String> {
        let full = format!("refs/tags/{tag}");
        if !self.output(&["rev-parse", "--verify", "--quiet", "--end-of-options", &full])?.status.success() {
            return Err(Error::MissingTag { tag: tag.to_string(), dir: self.dir.clone(), near: self.near_tags(tag)? });
        }
        self.resolve(&full)
    }

    /// Up to five tags, the nearest to `tag` (by edit distance) first.
    fn near_tags(&self, tag: &str) -> Result<Vec<String>> {
        let text = self.stdout_text(&["for-each-ref", "--format=%(refname:strip=2)", "refs/tags"])?;
        let mut tags: Vec<(usize, &str)> = text.lines().map(|t| (edit_distance(tag, t), t)).collect();
        tags.sort();
        Ok(tags.into_iter().take(5).map(|(_, t)| t.to_string()).collect())
    }

    /// The branch checked out (`refs/heads/main`), or `None` when HEAD is detached.
    pub fn current_branch(&self) -> Result<Option<String>> {
        let out = self.output(&["symbolic-ref", "--quiet", "HEAD"])?;
        Ok(out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string()))
    }

    /// The committer time of `commit`, in seconds since the epoch (what
    /// `git archive` stamps its entries with).
    pub fn commit_time(&self, commit: &str) -> Result<u64> {
        let text = self.stdout_text(&["cat-file", "commit", commit])?;
        let committer = text.lines().take_while(|l| !l.is_empty()).find_map(|l| l.strip_prefix("committer "));
        let time = committer.and_then(|c| c.rsplit(' ').nth(1)).and_then(|t| t.parse().ok());
        time.ok_or_else(|| self.failure(&["cat-file", "commit", commit], "no committer time in the commit".into()))
    }

    /// Every entry of the commit's tree, trees included, as `ls-tree` lists them.
    pub fn tree(&self, commit: &str) -> Result<Vec<TreeEntry>> {
        let args = ["ls-tree", "-r", "-t", "-z", "--full-tree", commit];
        let out = self.stdout(&args)?;
        let mut entries = Vec::new();
        for record in out.split(|&b| b == 0).filter(|r| !r.is_empty()) {
            let bad = || self.failure(&args, format!("unexpected output `{}`", String::from_utf8_lossy(record)));
            let tab = record.iter().position(|&b| b == b'\t').ok_or_else(bad)?;
            let meta = std::str::from_utf8(&record[..tab]).map_err(|_| bad())?;
            let mut fields = meta.split(' ');
            let (Some(mode), Some(_kind), Some(oid), None) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                return Err(bad());
            };
            entries.push(TreeEntry { mode: mode.to_string(), oid: oid.to_string(), path: record[tab + 1..].to_vec() });
        }
        Ok(entries)
    }

    /// One blob, whole.
    pub fn blob(&self, oid: &str) -> Result<Vec<u8>> {
        self.stdout(&["cat-file", "blob", oid])
    }

    /// The blobs `oids`, read in that order from one `git cat-file --batch`.
    pub fn blobs(&self, oids: Vec<String>) -> Result<Blobs> {
        let mut child = self
            .command(&["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| self.failure(&["cat-file", "--batch"], format!("cannot run git: {e}")))?;
        let mut stdin = child.stdin.take().expect("piped");
        // Asked from another thread: git answers while it reads, and a full
        // pipe each way would otherwise stop both.
        let feeder = std::thread::spawn(move || {
            for oid in oids {
                if writeln!(stdin, "{oid}").is_err() {
                    break;
                }
            }
        });
        let stdout = BufReader::new(child.stdout.take().expect("piped"));
        Ok(Blobs { repo_dir: self.dir.clone(), child, stdout, feeder: Some(feeder) })
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("git");
        cmd.arg("-C").arg(&self.dir).args(args);
        for var in REPOSITORY_ENV {
            cmd.env_remove(var);
        }
        cmd.env("GIT_NO_REPLACE_OBJECTS", "1").env("GIT_TERMINAL_PROMPT", "0").env("LC_ALL", "C");
        cmd.stdin(Stdio::null());
        cmd
    }

    fn output(&self, args: &[&str]) -> Result<Output> {
        self.command(args).output().map_err(|e| self.failure(args, format!("cannot run git: {e}")))
    }

    fn stdout(&self, args: &[&str]) -> Result<Vec<u8>> {
        let out = self.output(args)?;
        if !out.status.success() {
            return Err(self.failure(args, stderr_reason(&out)));
        }
        Ok(out.stdout)
    }

    fn stdout_text(&self, args: &[&str]) -> Result<String> {
        Ok(String::from_utf8_lossy(&self.stdout(args)?).trim_end_matches('\n').to_string())
    }

    fn failure(&self, args: &[&str], reason: String) -> Error {
        Error::Git { command: format!("git {}", args.join(" ")), dir: self.dir.clone(), reason }
    }
}

/// Blobs coming out of `git cat-file --batch`, in the order asked.
pub(crate) struct Blobs {
    repo_dir: PathBuf,
    child: Child,
    stdout: BufReader<ChildStdout>,
    feeder: Option<JoinHandle<()>>,
}

impl Blobs {
    pub fn next(&mut self, oid: &str) -> Result<Vec<u8>> {
        let fail = |reason: String| Error::Git {
            command: "git cat-file --batch".into(),
            dir: self.repo_dir.clone(),
            reason: format!("blob {oid}: {reason}"),
        };
        let mut line = String::new();
        self.stdout.read_line(&mut line).map_err(|e| fail(e.to_string()))?;
        let fields: Vec<&str> = line.trim_end().split(' ').collect();
        let size = match fields[..] {
            [got, "blob", size] if got == oid => {
                size.parse::<usize>().map_err(|_| fail(format!("bad size `{size}`")))?
            }
            _ => return Err(fail(format!("unexpected answer `{}`", line.trim_end()))),
        };
        let mut data = vec![0; size];
        self.stdout.read_exact(&mut data).map_err(|e| fail(e.to_string()))?;
        let mut newline = [0u8; 1];
        self.stdout.read_exact(&mut newline).map_err(|e| fail(e.to_string()))?;
        Ok(data)
    }
}

impl Drop for Blobs {
    fn drop(&mut self) {
        // Stop git whether or not every blob was read, then reap it.
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(feeder) = self.feeder.take() {
            let _ = feeder.join();
        }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// git's message, without its `fatal: ` prefix.
fn stderr_reason(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stderr);
    let text = text.trim();
    let text = text.strip_prefix("fatal: ").unwrap_or(text);
    if text.is_empty() {
        format!("git exited with {}", out.status)
    } else {
        text.to_string()
    }
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(super::edit_distance("v1.3.0", "v1.3.0"), 0);
        assert_eq!(super::edit_distance("v1.3.0", "v1.2.0"), 1);
        assert_eq!(super::edit_distance("v1.3.0", "1.3.0"), 1);
        assert_eq!(super::edit_distance("", "abc"), 3);
        assert_eq!(super::edit_distance("kitten", "sitting"), 3);
    }
}
