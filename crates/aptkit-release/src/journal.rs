//! The journal of a release: one JSON document in the state store,
//! `releases/<id>/journal.json`, holding a record of every step that
//! finished (the source of a version, each build, each publish, the CDN
//! purge). Each record is written by compare-and-swap when its step
//! finishes, so that runners recording steps of one release at once (the
//! jobs of a CI matrix) never lose one another's records, and a resumed
//! release starts at the first step that has none.
//!
//! Step names are paths: `source/<version>`, `build/<version>/<distro>`,
//! `publish/<version>/<suite>`, `purge`.

use std::collections::BTreeMap;
use std::sync::Arc;

use aptkit_store::{Store, Written};
use serde::{Deserialize, Serialize};

const FORMAT: u32 = 1;
/// Writers recording at once retry a lost compare-and-swap this often.
const MAX_RETRIES: usize = 50;

/// The journal's id for a list of versions, in the order given: versions
/// cannot contain `_`, so the id is unambiguous, and it is a valid store
/// key.
pub fn release_id(versions: &[String]) -> String {
    versions.join("_")
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Journal {
    pub format: u32,
    pub id: String,
    pub versions: Vec<String>,
    /// When the release began (seconds since the epoch).
    pub started: i64,
    /// When its last step finished; `None` while it is unfinished.
    #[serde(default)]
    pub finished: Option<i64>,
    #[serde(default)]
    pub steps: BTreeMap<String, Step>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    /// Finished: a resumed release does not repeat it.
    Done,
    /// Ended in an error: a resumed release runs it again.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub status: StepStatus,
    /// When it ended.
    pub at: i64,
    /// What the step made (the tarball's SHA-256, the build key and .debs,
    /// the suite and what it dropped…), as the pipeline records it.
    #[serde(default)]
    pub detail: serde_json::Value,
}

impl Journal {
    pub fn new(versions: &[String], started: i64) -> Journal {
        Journal {
            format: FORMAT,
            id: release_id(versions),
            versions: versions.to_vec(),
            started,
            finished: None,
            steps: BTreeMap::new(),
        }
    }

    /// Whether `step` finished (a failed one did not).
    pub fn is_done(&self, step: &str) -> bool {
        self.steps.get(step).is_some_and(|s| s.status == StepStatus::Done)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot {what} the release journal `{key}`: {source}")]
    Store {
        what: &'static str,
        key: String,
        #[source]
        source: aptkit_store::Error,
    },
    #[error("the release journal `{key}` is damaged ({reason}); delete it to start the release over")]
    Damaged { key: String, reason: String },
    #[error("the release journal `{key}` is of a newer aptkit (format {format}); upgrade aptkit to resume it")]
    Newer { key: String, format: u32 },
    #[error("the release journal `{key}` kept changing under this runner ({MAX_RETRIES} tries); retry")]
    Contended { key: String },
}

pub type Result<T> = std::result::Result<T, Error>;

/// A release's journal in a state store.
pub struct JournalStore {
    store: Arc<dyn Store>,
    key: String,
}

impl JournalStore {
    pub fn new(store: Arc<dyn Store>, id: &str) -> JournalStore {
        JournalStore { store, key: format!("releases/{id}/journal.json") }
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    /// The journal, if there is one.
    pub fn load(&self) -> Result<Option<Journal>> {
        Ok(self.load_tagged()?.map(|(journal, _)| journal))
    }

    fn load_tagged(&self) -> Result<Option<(Journal, aptkit_store::ETag)>> {
        let read = self.store.get(&self.key).map_err(|source| self.store_error("read", source))?;
        let Some((bytes, etag)) = read else { return Ok(None) };
        let journal: Journal = serde_json::from_slice(&bytes)
            .map_err(|e| Error::Damaged { key: self.key.clone(), reason: e.to_string() })?;
        if journal.format > FORMAT {
            return Err(Error::Newer { key: self.key.clone(), format: journal.format });
        }
        Ok(Some((journal, etag)))
    }

    /// Start `journal` afresh, replacing whatever journal was there.
    pub fn begin(&self, journal: &Journal) -> Result<()> {
        self.update(|current| {
            *current = Some(journal.clone());
        })
        .map(|_| ())
    }

    /// Record that `name` ended as `step` (over an earlier record of it)
    /// and return the journal as written. A journal missing by now (one
    /// deleted by hand) is started again with this record.
    pub fn record(&self, versions: &[String], name: &str, step: Step) -> Result<Journal> {
        self.update(|current| {
            let journal = current.get_or_insert_with(|| Journal::new(versions, step.at));
            journal.steps.insert(name.to_string(), step.clone());
        })
    }

    /// Mark the release finished at `at`.
    pub fn finish(&self, versions: &[String], at: i64) -> Result<Journal> {
        self.update(|current| {
            current.get_or_insert_with(|| Journal::new(versions, at)).finished = Some(at);
        })
    }

    /// Read, change and write back by compare-and-swap until no other
    /// writer came between.
    fn update(&self, mut change: impl FnMut(&mut Option<Journal>)) -> Result<Journal> {
        for attempt in 0..MAX_RETRIES {
            let loaded = self.load_tagged()?;
            let etag = loaded.as_ref().map(|(_, etag)| etag.clone());
            let mut journal = loaded.map(|(journal, _)| journal);
            change(&mut journal);
            let journal = journal.expect("every change leaves a journal");
            let bytes = serde_json::to_vec_pretty(&journal).expect("a journal always serialises");
            match self.store.put_if_match(&self.key, &bytes, etag.as_ref()) {
                Ok(Written::Created(_)) => return Ok(journal),
                Ok(Written::Conflict(_)) => {
                    // Spread writers that collided apart: 2 ms doubling to 128 ms.
                    std::thread::sleep(std::time::Duration::from_millis(2 << attempt.min(6)));
                }
                Err(source) => return Err(self.store_error("write", source)),
            }
        }
        Err(Error::Contended { key: self.key.clone() })
    }

    fn store_error(&self, what: &'static str, source: aptkit_store::Error) -> Error {
        Error::Store { what, key: self.key.clone(), source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions() -> Vec<String> {
        vec!["2026.12.02".to_string(), "1.3.0".to_string()]
    }

    fn done(at: i64) -> Step {
        Step { status: StepStatus::Done, at, detail: serde_json::json!({"at": at}) }
    }

    fn journal_in(dir: &std::path::Path) -> JournalStore {
        JournalStore::new(Arc::new(aptkit_store::FileStore::new(dir)), &release_id(&versions()))
    }

    #[test]
    fn steps_are_recorded_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let journal = journal_in(dir.path());
        assert_eq!(journal.key(), "releases/2026.12.02_1.3.0/journal.json");
        assert!(journal.load().unwrap().is_none());
        journal.begin(&Journal::new(&versions(), 100)).unwrap();
        journal.record(&versions(), "source/1.3.0", done(101)).unwrap();
        let failed = Step { status: StepStatus::Failed, at: 102, detail: serde_json::Value::Null };
        journal.record(&versions(), "build/1.3.0/debian-12-bookworm", failed).unwrap();
        let read = journal.load().unwrap().unwrap();
        assert!(read.is_done("source/1.3.0"));
        assert!(!read.is_done("build/1.3.0/debian-12-bookworm"), "a failed step is not done");
        assert!(!read.is_done("purge"));
        assert_eq!(read.finished, None);
        assert_eq!(journal.finish(&versions(), 103).unwrap().finished, Some(103));
        // Beginning again starts from nothing.
        journal.begin(&Journal::new(&versions(), 200)).unwrap();
        assert!(journal.load().unwrap().unwrap().steps.is_empty());
    }

    #[test]
    fn concurrent_recorders_lose_no_record() {
        let dir = tempfile::tempdir().unwrap();
        let journal = journal_in(dir.path());
        std::thread::scope(|scope| {
            for i in 0..8 {
                let journal = &journal;
                scope.spawn(move || journal.record(&versions(), &format!("build/1.3.0/distro-{i}"), done(i)).unwrap());
            }
        });
        let read = journal.load().unwrap().unwrap();
        assert_eq!(read.steps.len(), 8, "{:?}", read.steps.keys());
    }

    #[test]
    fn a_damaged_or_newer_journal_is_named_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let journal = journal_in(dir.path());
        let path = dir.path().join(journal.key());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"{not json").unwrap();
        let err = journal.record(&versions(), "purge", done(1)).unwrap_err().to_string();
        assert!(err.contains(journal.key()) && err.contains("damaged"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"{not json", "nothing was written over it");
        let mut newer = Journal::new(&versions(), 1);
        newer.format = FORMAT + 1;
        std::fs::write(&path, serde_json::to_vec(&newer).unwrap()).unwrap();
        assert!(matches!(journal.load(), Err(Error::Newer { .. })));
    }
}
