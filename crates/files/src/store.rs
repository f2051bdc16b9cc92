//! Content-addressed file storage on local disk.
//!
//! Every file is stored once under the lowercase hex SHA-256 of its bytes, at
//! `root/<first 2 hex>/<full sha>` (256 folders, made when the store is opened: a new file then
//! never needs a new folder and its fsyncs). Files written by earlier versions at
//! `root/<first 2 hex>/<next 2 hex>/<full sha>` are still found there. Storing the same bytes twice
//! is a no-op (dedup).
//!
//! Writes are durable before [`FileStore::put`] returns: the bytes go to a temporary file in the
//! target folder, the file is fsynced, renamed into place, and the folder is fsynced. A write the
//! caller saw succeed survives a crash (`kill -9`) or a power loss, and a reader never sees a
//! partially written file under its final name. A crash may leave a `.tmp-*` file behind; it is
//! never read and can be deleted at any time.
//!
//! Only well-formed hashes (64 lowercase hex characters) are ever turned into paths, so a caller
//! cannot reach outside the store (no path traversal).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

/// Returns the lowercase hex SHA-256 of `bytes` (64 characters).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// True when `s` is exactly 64 lowercase hexadecimal characters, the form of every key in a [`FileStore`].
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A content-addressed store of uploaded files on local disk (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

/// Distinguishes temporary files written concurrently by the same process.
static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl FileStore {
    /// Opens the store rooted at `root`, creating the folder (and its parents) if needed.
    pub fn open(root: impl Into<PathBuf>) -> io::Result<FileStore> {
        let root = root.into();
        if !root.is_dir() {
            fs::create_dir_all(&root)?;
            if let Some(parent) = root.parent().filter(|p| !p.as_os_str().is_empty()) {
                sync_dir(parent)?;
            }
        }
        let mut made = false;
        for prefix in 0..=255u8 {
            let dir = root.join(hex::encode([prefix]));
            if !dir.is_dir() {
                fs::create_dir(&dir).or_else(|e| if dir.is_dir() { Ok(()) } else { Err(e) })?;
                made = true;
            }
        }
        if made {
            sync_dir(&root)?;
        }
        Ok(FileStore { root })
    }

    /// The folder this store keeps its files in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Stores `bytes` durably and returns their lowercase hex SHA-256, the key to [`get`](Self::get) them back.
    ///
    /// Storing bytes that are already present writes nothing.
    pub fn put(&self, bytes: &[u8]) -> io::Result<String> {
        let sha = sha256_hex(bytes);
        self.put_with_sha(&sha, bytes)?;
        Ok(sha)
    }

    /// Like [`put`](Self::put) for a caller that already computed `sha = sha256_hex(bytes)`.
    ///
    /// The hash is trusted (checked only in debug builds); it must be 64 lowercase hex characters,
    /// otherwise the error kind is [`io::ErrorKind::InvalidInput`].
    pub fn put_with_sha(&self, sha: &str, bytes: &[u8]) -> io::Result<()> {
        let final_path = self.path_for(sha)?;
        debug_assert_eq!(sha256_hex(bytes), sha, "put_with_sha: the hash does not match the bytes");
        let dir = final_path.parent().ok_or_else(|| invalid_input("store path has no parent"))?;

        // Already stored (same name, same size): nothing to write. The folder is still synced so that a
        // concurrent writer's rename that we observed is durable before we report success too.
        for (path, at) in [(&final_path, dir), (&self.legacy_path(sha), dir)] {
            if let Ok(meta) = fs::metadata(path) {
                if meta.is_file() && meta.len() == bytes.len() as u64 {
                    return sync_dir(path.parent().unwrap_or(at));
                }
            }
        }

        if !dir.is_dir() {
            fs::create_dir_all(dir)?;
            // Make the new folders themselves durable: their entries live in their parents.
            if let Some(mid) = dir.parent() {
                sync_dir(mid)?;
            }
            sync_dir(&self.root)?;
        }

        let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp_path = dir.join(format!(".tmp-{sha}-{}-{n}", std::process::id()));
        let result = write_synced(&tmp_path, bytes)
            .and_then(|()| fs::rename(&tmp_path, &final_path))
            .and_then(|()| sync_dir(dir));
        if result.is_err() {
            let _ = fs::remove_file(&tmp_path);
        }
        result
    }

    /// Reads the file stored under `sha`.
    ///
    /// Errors: [`io::ErrorKind::InvalidInput`] when `sha` is not 64 lowercase hex characters,
    /// [`io::ErrorKind::NotFound`] when no such file is stored.
    pub fn get(&self, sha: &str) -> io::Result<Vec<u8>> {
        match fs::read(self.path_for(sha)?) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => fs::read(self.legacy_path(sha)),
            other => other,
        }
    }

    /// The path of the file stored under `sha`, or `None` when `sha` is malformed or no such file is stored.
    pub fn path(&self, sha: &str) -> Option<PathBuf> {
        let path = self.path_for(sha).ok()?;
        [path, self.legacy_path(sha)].into_iter().find(|p| p.is_file())
    }

    /// True when a file is stored under `sha` (false for a malformed `sha`).
    pub fn exists(&self, sha: &str) -> bool {
        self.path(sha).is_some()
    }

    /// Where `sha` is (or would be) stored; rejects anything that is not a well-formed hash.
    fn path_for(&self, sha: &str) -> io::Result<PathBuf> {
        if !is_sha256_hex(sha) {
            return Err(invalid_input("not a SHA-256 hex digest (64 lowercase hex characters)"));
        }
        Ok(self.root.join(&sha[..2]).join(sha))
    }

    /// Where earlier versions stored `sha` (two folder levels); only for a well-formed `sha`.
    fn legacy_path(&self, sha: &str) -> PathBuf {
        self.root.join(&sha[..2]).join(&sha[2..4]).join(sha)
    }
}

fn invalid_input(msg: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// Creates `path` (which must not exist), writes `bytes` and fsyncs the file.
fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Fsyncs a folder so that entries created or renamed in it survive a crash.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Folders cannot be opened for fsync on this platform; renames are made durable by the OS.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh, empty folder under the system temp dir, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> TempDir {
            static N: AtomicU64 = AtomicU64::new(0);
            let nanos =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
            let n = N.fetch_add(1, Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!("egov-files-{tag}-{}-{nanos}-{n}", std::process::id()));
            TempDir(path)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn files_under(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.extend(files_under(&path));
            } else {
                out.push(path);
            }
        }
        out
    }

    #[test]
    fn sha256_of_known_input() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert!(is_sha256_hex(&sha256_hex(b"")));
        assert!(!is_sha256_hex("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
        assert!(!is_sha256_hex("abc"));
    }

    #[test]
    fn open_creates_the_folder() {
        let tmp = TempDir::new("open");
        let root = tmp.0.join("nested").join("store");
        let store = FileStore::open(&root).unwrap();
        assert!(root.is_dir());
        assert_eq!(store.root(), root.as_path());
        // Opening an existing store is fine.
        FileStore::open(&root).unwrap();
    }

    #[test]
    fn put_get_round_trip_and_layout() {
        let tmp = TempDir::new("roundtrip");
        let store = FileStore::open(&tmp.0).unwrap();
        let bytes = b"Quyet dinh so 05".to_vec();
        let sha = store.put(&bytes).unwrap();
        assert_eq!(sha, sha256_hex(&bytes));
        assert_eq!(store.get(&sha).unwrap(), bytes);
        let path = store.path(&sha).unwrap();
        assert_eq!(path, tmp.0.join(&sha[..2]).join(&sha));
        assert!(store.exists(&sha));
        // Empty content is a valid file too.
        let empty = store.put(b"").unwrap();
        assert_eq!(store.get(&empty).unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn files_in_the_earlier_two_level_layout_are_still_found() {
        let tmp = TempDir::new("legacy");
        let store = FileStore::open(&tmp.0).unwrap();
        let bytes = b"written by an earlier version".to_vec();
        let sha = sha256_hex(&bytes);
        let legacy = tmp.0.join(&sha[..2]).join(&sha[2..4]).join(&sha);
        fs::create_dir_all(legacy.parent().unwrap()).unwrap();
        fs::write(&legacy, &bytes).unwrap();
        assert_eq!(store.get(&sha).unwrap(), bytes);
        assert_eq!(store.path(&sha).unwrap(), legacy);
        assert!(store.exists(&sha));
        // Storing the same bytes again finds them there and writes no second copy.
        store.put(&bytes).unwrap();
        assert_eq!(files_under(&tmp.0), vec![legacy]);
    }

    #[test]
    fn put_twice_dedups() {
        let tmp = TempDir::new("dedup");
        let store = FileStore::open(&tmp.0).unwrap();
        let a = store.put(b"same bytes").unwrap();
        let b = store.put(b"same bytes").unwrap();
        assert_eq!(a, b);
        store.put_with_sha(&a, b"same bytes").unwrap();
        let files = files_under(&tmp.0);
        assert_eq!(files.len(), 1, "{files:?}");
        let c = store.put(b"other bytes").unwrap();
        assert_ne!(a, c);
        assert_eq!(files_under(&tmp.0).len(), 2);
    }

    #[test]
    fn truncated_copy_is_replaced() {
        let tmp = TempDir::new("repair");
        let store = FileStore::open(&tmp.0).unwrap();
        let sha = store.put(b"full content").unwrap();
        fs::write(store.path(&sha).unwrap(), b"full").unwrap();
        store.put(b"full content").unwrap();
        assert_eq!(store.get(&sha).unwrap(), b"full content");
    }

    #[test]
    fn rejects_malformed_keys() {
        let tmp = TempDir::new("traversal");
        let store = FileStore::open(&tmp.0).unwrap();
        for bad in ["../etc/passwd", "/etc/passwd", "", "..", "ab/../../x", &"A".repeat(64), &"g".repeat(64)] {
            let err = store.get(bad).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad}");
            assert!(store.path(bad).is_none());
            assert!(!store.exists(bad));
            assert_eq!(store.put_with_sha(bad, b"x").unwrap_err().kind(), io::ErrorKind::InvalidInput);
        }
        let missing = sha256_hex(b"never stored");
        assert_eq!(store.get(&missing).unwrap_err().kind(), io::ErrorKind::NotFound);
        assert!(!store.exists(&missing));
        assert!(store.path(&missing).is_none());
    }

    #[test]
    fn concurrent_puts_of_the_same_bytes() {
        let tmp = TempDir::new("concurrent");
        let store = FileStore::open(&tmp.0).unwrap();
        let bytes = vec![7u8; 64 * 1024];
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| store.put(&bytes).unwrap());
            }
        });
        let files = files_under(&tmp.0);
        assert_eq!(files.len(), 1, "{files:?}");
        assert_eq!(store.get(&sha256_hex(&bytes)).unwrap(), bytes);
    }
}
