//! Package bodies in append-only segment files: the writer appends a group's bodies to the
//! current segment and syncs it once before the database commit that records where each one
//! lies, so a package is written to disk once (not to the WAL and again to the database file).
//!
//! A segment is `NNNNNNNNNNNN.seg` in the folder; each start of the hub begins a new one at its
//! first write (a torn tail from a crash is never appended to), and a segment is closed at 256 MiB. Bytes appended
//! whose commit then failed are never referenced and go with their segment. Housekeeping removes
//! a segment once no row points into it.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

const SEGMENT_BYTES: u64 = 256 << 20;
const SUFFIX: &str = ".seg";

/// Where one body lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BodyRef {
    pub segment: i64,
    pub position: i64,
    pub length: i64,
}

#[derive(Debug)]
struct Current {
    id: i64,
    file: File,
    len: u64,
}

/// The folder of segments and the one being appended to.
#[derive(Debug)]
pub(crate) struct Segments {
    dir: PathBuf,
    writing: Mutex<Writing>,
}

/// The segment being appended to, once there is one, and the number the next one gets.
#[derive(Debug)]
struct Writing {
    current: Option<Current>,
    next_id: i64,
}

fn segment_ids(dir: &Path) -> std::io::Result<Vec<i64>> {
    let mut ids = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name();
        if let Some(id) = name.to_str().and_then(|n| n.strip_suffix(SUFFIX)).and_then(|n| n.parse::<i64>().ok()) {
            ids.push(id);
        }
    }
    Ok(ids)
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

impl Segments {
    /// Opens (creating) the folder; the first write starts a segment after the highest there.
    pub fn open(dir: &Path) -> std::io::Result<Segments> {
        std::fs::create_dir_all(dir)?;
        let next_id = segment_ids(dir)?.into_iter().max().unwrap_or(0) + 1;
        Ok(Segments { dir: dir.to_path_buf(), writing: Mutex::new(Writing { current: None, next_id }) })
    }

    fn path(dir: &Path, id: i64) -> PathBuf {
        dir.join(format!("{id:012}{SUFFIX}"))
    }

    fn create(dir: &Path, id: i64) -> std::io::Result<Current> {
        let file = OpenOptions::new().create_new(true).append(true).open(Self::path(dir, id))?;
        sync_dir(dir)?;
        Ok(Current { id, file, len: 0 })
    }

    /// Appends `bodies` and syncs them to disk; returns where each went. Called by the one writer.
    pub fn append(&self, bodies: &[&[u8]]) -> std::io::Result<Vec<BodyRef>> {
        let mut writing = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        let full = writing.current.as_ref().is_none_or(|c| c.len >= SEGMENT_BYTES);
        if full {
            let next = Self::create(&self.dir, writing.next_id)?;
            writing.next_id += 1;
            if let Some(old) = writing.current.replace(next) {
                old.file.sync_all()?;
            }
        }
        let Some(cur) = writing.current.as_mut() else { return Err(std::io::Error::other("no segment open")) };
        let mut refs = Vec::with_capacity(bodies.len());
        let mut at = cur.len;
        for b in bodies {
            refs.push(BodyRef { segment: cur.id, position: at as i64, length: b.len() as i64 });
            at += b.len() as u64;
        }
        let written = (|| {
            for b in bodies {
                cur.file.write_all(b)?;
            }
            cur.file.sync_data()
        })();
        if let Err(e) = written {
            // The file's end is unknown now: the next write starts a fresh segment.
            writing.current = None;
            return Err(e);
        }
        cur.len = at;
        Ok(refs)
    }

    /// The bytes `r` points at.
    pub fn read(&self, r: &BodyRef) -> std::io::Result<Vec<u8>> {
        let file = File::open(Self::path(&self.dir, r.segment))?;
        let mut buf = vec![0; usize::try_from(r.length).map_err(std::io::Error::other)?];
        file.read_exact_at(&mut buf, u64::try_from(r.position).map_err(std::io::Error::other)?)?;
        Ok(buf)
    }

    /// Deletes every closed segment not in `in_use`; returns how many.
    pub fn remove_unused(&self, in_use: &HashSet<i64>) -> std::io::Result<usize> {
        let writing = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        let current = writing.current.as_ref().map(|c| c.id);
        let mut removed = 0;
        for id in segment_ids(&self.dir)? {
            if Some(id) != current && !in_use.contains(&id) {
                std::fs::remove_file(Self::path(&self.dir, id))?;
                removed += 1;
            }
        }
        if removed > 0 {
            sync_dir(&self.dir)?;
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn bodies_read_back_across_restarts_and_unused_segments_go() {
        let dir = tempfile::tempdir().unwrap();
        let s = Segments::open(dir.path()).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no segment before the first write");
        let refs = s.append(&[b"first", b"second body"]).unwrap();
        assert_eq!(refs[1], BodyRef { segment: 1, position: 5, length: 11 });
        assert_eq!(s.read(&refs[1]).unwrap(), b"second body");
        drop(s);
        // Opening without writing (as `egov hub register` does) leaves no empty segment behind.
        drop(Segments::open(dir.path()).unwrap());
        assert_eq!(segment_ids(dir.path()).unwrap(), [1]);
        // A restart begins segment 2 at its first write; segment 1 still reads.
        let s = Segments::open(dir.path()).unwrap();
        let later = s.append(&[b"third"]).unwrap();
        assert_eq!(later[0].segment, 2);
        assert_eq!(s.read(&refs[0]).unwrap(), b"first");
        assert_eq!(s.remove_unused(&HashSet::from([1])).unwrap(), 0, "segment 1 in use, 2 is current");
        assert_eq!(s.remove_unused(&HashSet::new()).unwrap(), 1);
        assert!(s.read(&refs[0]).is_err());
        assert_eq!(s.read(&later[0]).unwrap(), b"third", "the current segment stays");
    }
}
