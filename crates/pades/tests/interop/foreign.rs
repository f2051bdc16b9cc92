//! Signatures made by other implementations, for egov to verify: a PKI made with the `openssl` CLI (a root and a
//! signer whose subject is Vietnamese, RSA or ECDSA), and PDFs signed with it by poppler's `pdfsig` (NSS), by
//! NSS's `cmsutil`, by `openssl cms -sign` and by pyHanko. `cmsutil` and `openssl` make only the CMS: the PDF
//! around it, with its signature placeholder and `/ByteRange`, comes from [`Placeholder`].
//!
//! Each tool is looked for once; when one is missing the caller skips, unless the tool's variable says it is
//! required (CI sets them all): `EGOV_REQUIRE_OPENSSL`, `EGOV_REQUIRE_NSS` (certutil, pk12util, cmsutil),
//! `EGOV_REQUIRE_PDFSIG`, `EGOV_REQUIRE_PYHANKO`.
//!
//! Shared by the tests of `egov-pades` and of `egov` (`#[path]`); not every function is used by both.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The signer's common name: an organisation's, with the letters the mojibake report was about.
pub const SIGNER_CN: &str = "Cơ quan Văn thư tỉnh";
/// The signer's organisation.
pub const SIGNER_O: &str = "Ủy ban nhân dân tỉnh Demo";
/// The two sub-filters of PDF signatures in use.
pub const SUB_FILTERS: [&str; 2] = ["adbe.pkcs7.detached", "ETSI.CAdES.detached"];
/// The password of the signer's PKCS#12 file.
pub const P12_PASSWORD: &str = "test";

/// The signer's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA 2048.
    Rsa,
    /// ECDSA P-256.
    Ecdsa,
}

/// Whether `program args` runs; when it does not and `require` is set in the environment, a failure.
pub fn available(program: &str, args: &[&str], require: &str) -> bool {
    let found = Command::new(program).args(args).output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(std::env::var_os(require).is_none(), "{program} is required ({require} is set) but does not run");
        eprintln!("note: {program} is not installed; that part of the interoperability test is skipped");
    }
    found
}

/// `openssl` is there.
pub fn have_openssl() -> bool {
    available("openssl", &["version"], "EGOV_REQUIRE_OPENSSL")
}

/// NSS's tools (certutil, pk12util, cmsutil) are there.
pub fn have_nss() -> bool {
    ["certutil", "pk12util", "cmsutil"].iter().all(|program| {
        // Their usage screens exit non-zero: being able to start them is the test.
        let found = Command::new(program).arg("-H").output().is_ok();
        assert!(found || std::env::var_os("EGOV_REQUIRE_NSS").is_none(), "{program} is required (EGOV_REQUIRE_NSS)");
        if !found {
            eprintln!("note: {program} (libnss3-tools) is not installed; the NSS part is skipped");
        }
        found
    })
}

/// poppler's `pdfsig` is there.
pub fn have_pdfsig() -> bool {
    available("pdfsig", &["-v"], "EGOV_REQUIRE_PDFSIG")
}

/// pyHanko is importable.
pub fn have_pyhanko() -> bool {
    available("python3", &["-c", "import pyhanko.sign"], "EGOV_REQUIRE_PYHANKO")
}

/// Runs a command in `dir`; its standard output, or a failure with its standard error.
pub fn run(dir: &Path, program: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new(program).args(args).current_dir(dir).output().expect("run the tool");
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// A scratch folder, removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    /// A new empty folder named after `tag`.
    pub fn new(tag: &str) -> Scratch {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let dir = std::env::temp_dir().join(format!("egov-foreign-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A root and a signer made with `openssl`, in `dir`: `root.pem`, `leaf.pem`, `leaf.key`, `leaf.p12` (friendly
/// name `signer`, password [`P12_PASSWORD`]), and a time-stamp authority (`tsa.pem`, `tsa.key`, RSA).
pub struct Pki {
    pub dir: PathBuf,
    pub kind: KeyKind,
    /// The root certificate, PEM.
    pub root_pem: String,
    /// The signer's certificate, DER.
    pub leaf_der: Vec<u8>,
}

impl Pki {
    /// Makes the PKI in `dir` (which must exist).
    pub fn new(dir: &Path, kind: KeyKind) -> Pki {
        std::fs::write(
            dir.join("ext.cnf"),
            "[leaf]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n\
             subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n\
             [tsa]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
             extendedKeyUsage=critical,timeStamping\n",
        )
        .unwrap();
        let subject = format!("/C=VN/ST=Tỉnh Demo/O={SIGNER_O}/CN={SIGNER_CN}");
        let days = "30";
        run(
            dir,
            "openssl",
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "root.key",
                "-out",
                "root.pem",
                "-days",
                days,
                "-utf8",
                "-subj",
                "/C=VN/O=Ban Cơ yếu Demo/CN=Gốc thử nghiệm",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
        let key_args: &[&str] = match kind {
            KeyKind::Rsa => &["-newkey", "rsa:2048"],
            KeyKind::Ecdsa => &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        };
        let mut req = vec!["req", "-new"];
        req.extend_from_slice(key_args);
        req.extend_from_slice(&["-nodes", "-keyout", "leaf.key", "-out", "leaf.csr", "-utf8", "-subj", &subject]);
        run(dir, "openssl", &req);
        run(
            dir,
            "openssl",
            &[
                "x509",
                "-req",
                "-in",
                "leaf.csr",
                "-CA",
                "root.pem",
                "-CAkey",
                "root.key",
                "-CAcreateserial",
                "-out",
                "leaf.pem",
                "-days",
                days,
                "-extfile",
                "ext.cnf",
                "-extensions",
                "leaf",
            ],
        );
        run(dir, "openssl", &["x509", "-in", "leaf.pem", "-outform", "DER", "-out", "leaf.der"]);
        run(
            dir,
            "openssl",
            &[
                "req",
                "-new",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "tsa.key",
                "-out",
                "tsa.csr",
                "-utf8",
                "-subj",
                "/C=VN/O=Ban Cơ yếu Demo/CN=Dịch vụ dấu thời gian",
            ],
        );
        run(
            dir,
            "openssl",
            &[
                "x509",
                "-req",
                "-in",
                "tsa.csr",
                "-CA",
                "root.pem",
                "-CAkey",
                "root.key",
                "-CAcreateserial",
                "-out",
                "tsa.pem",
                "-days",
                days,
                "-extfile",
                "ext.cnf",
                "-extensions",
                "tsa",
            ],
        );
        run(
            dir,
            "openssl",
            &[
                "pkcs12",
                "-export",
                "-inkey",
                "leaf.key",
                "-in",
                "leaf.pem",
                "-certfile",
                "root.pem",
                "-name",
                "signer",
                "-out",
                "leaf.p12",
                "-passout",
                &format!("pass:{P12_PASSWORD}"),
            ],
        );
        Pki {
            dir: dir.to_path_buf(),
            kind,
            root_pem: std::fs::read_to_string(dir.join("root.pem")).unwrap(),
            leaf_der: std::fs::read(dir.join("leaf.der")).unwrap(),
        }
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    /// An NSS database (`sql:` form) holding the signer's key and certificates, the root trusted.
    fn nss_db(&self) -> String {
        let db = format!("sql:{}", self.path("nss"));
        if !self.dir.join("nss").exists() {
            std::fs::create_dir_all(self.dir.join("nss")).unwrap();
            run(&self.dir, "certutil", &["-N", "-d", &db, "--empty-password"]);
            run(&self.dir, "pk12util", &["-i", &self.path("leaf.p12"), "-d", &db, "-W", P12_PASSWORD]);
            run(
                &self.dir,
                "certutil",
                &["-A", "-d", &db, "-n", "test-root", "-t", "CT,C,C", "-i", &self.path("root.pem")],
            );
        }
        db
    }

    /// `pdf` signed by poppler's `pdfsig -add-signature` (NSS; `adbe.pkcs7.detached`, the only sub-filter it
    /// adds).
    pub fn sign_with_pdfsig(&self, pdf: &[u8]) -> Vec<u8> {
        let db = self.nss_db();
        std::fs::write(self.dir.join("pdfsig-in.pdf"), pdf).unwrap();
        let _ = std::fs::remove_file(self.dir.join("pdfsig-out.pdf"));
        run(
            &self.dir,
            "pdfsig",
            &[
                "-nssdir",
                &db,
                "-nick",
                "signer",
                "-add-signature",
                "-new-signature-field-name",
                "NSS",
                "-reason",
                "Ký ban hành",
                "pdfsig-in.pdf",
                "pdfsig-out.pdf",
            ],
        );
        std::fs::read(self.dir.join("pdfsig-out.pdf")).unwrap()
    }

    /// A PDF whose CMS NSS's `cmsutil -S` made (signing time, no content).
    pub fn sign_with_cmsutil(&self, sub_filter: &str) -> Vec<u8> {
        let db = self.nss_db();
        let placeholder = Placeholder::new(sub_filter, "NSS cmsutil");
        std::fs::write(self.dir.join("cmsutil-data.bin"), placeholder.signed_bytes()).unwrap();
        run(
            &self.dir,
            "cmsutil",
            &["-S", "-T", "-G", "-N", "signer", "-d", &db, "-i", "cmsutil-data.bin", "-o", "cmsutil.p7s"],
        );
        placeholder.fill(&std::fs::read(self.dir.join("cmsutil.p7s")).unwrap())
    }

    /// A PDF whose CMS `openssl cms -sign` made (with `-cades` for `ETSI.CAdES.detached`: the signing
    /// certificate v2 attribute).
    pub fn sign_with_openssl(&self, sub_filter: &str) -> Vec<u8> {
        let placeholder = Placeholder::new(sub_filter, "OpenSSL cms");
        std::fs::write(self.dir.join("openssl-data.bin"), placeholder.signed_bytes()).unwrap();
        let mut args = vec![
            "cms",
            "-sign",
            "-binary",
            "-md",
            "sha256",
            "-in",
            "openssl-data.bin",
            "-signer",
            "leaf.pem",
            "-inkey",
            "leaf.key",
            "-certfile",
            "root.pem",
            "-outform",
            "DER",
            "-out",
            "openssl.p7s",
        ];
        if sub_filter == "ETSI.CAdES.detached" {
            args.push("-cades");
        }
        run(&self.dir, "openssl", &args);
        placeholder.fill(&std::fs::read(self.dir.join("openssl.p7s")).unwrap())
    }

    /// `pdf` with a document time-stamp (`ETSI.RFC3161`) pyHanko added, the token from this PKI's authority.
    pub fn timestamp_with_pyhanko(&self, pdf: &[u8]) -> Vec<u8> {
        let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pades/tests/interop/pyhanko_tool.py");
        std::fs::write(self.dir.join("pyhanko-ts-in.pdf"), pdf).unwrap();
        run(
            &self.dir,
            "python3",
            &[
                &tool.display().to_string(),
                "timestamp",
                "pyhanko-ts-in.pdf",
                "pyhanko-ts-out.pdf",
                "tsa.pem",
                "tsa.key",
            ],
        );
        std::fs::read(self.dir.join("pyhanko-ts-out.pdf")).unwrap()
    }

    /// `pdf` signed by pyHanko with the signer's PKCS#12.
    pub fn sign_with_pyhanko(&self, pdf: &[u8], sub_filter: &str) -> Vec<u8> {
        let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pades/tests/interop/pyhanko_tool.py");
        std::fs::write(self.dir.join("pyhanko-in.pdf"), pdf).unwrap();
        run(
            &self.dir,
            "python3",
            &[
                &tool.display().to_string(),
                "sign-p12",
                "pyhanko-in.pdf",
                "pyhanko-out.pdf",
                "leaf.p12",
                P12_PASSWORD,
                sub_filter,
            ],
        );
        std::fs::read(self.dir.join("pyhanko-out.pdf")).unwrap()
    }
}

/// A one-page PDF with a signature field whose signature dictionary has an empty `/Contents` of fixed size and
/// its `/ByteRange` already written, for a CMS made elsewhere over [`Placeholder::signed_bytes`].
pub struct Placeholder {
    pdf: Vec<u8>,
    /// Where the `<` of `/Contents` is.
    gap_start: usize,
    /// Just after its `>`.
    gap_end: usize,
}

/// Room for the CMS, in bytes (two certificates and a signature take about 2.5 KB).
const RESERVED: usize = 8192;

impl Placeholder {
    /// The PDF for a signature of `sub_filter`; `text` is written on the page.
    pub fn new(sub_filter: &str, text: &str) -> Placeholder {
        let content = format!("BT /F1 14 Tf 72 760 Td (Cong van: {text}) Tj ET");
        let objects = [
            "<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[5 0 R]/SigFlags 3>>>>".to_string(),
            "<</Type/Pages/Kids[3 0 R]/Count 1>>".to_string(),
            "<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</Font<</F1 6 0 R>>>>/Contents 4 0 R\
             /Annots[5 0 R]>>"
                .to_string(),
            format!("<</Length {}>>\nstream\n{content}\nendstream", content.len()),
            "<</Type/Annot/Subtype/Widget/FT/Sig/T(Signature1)/Rect[0 0 0 0]/F 132/P 3 0 R/V 7 0 R>>".to_string(),
            "<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>".to_string(),
            format!(
                "<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/{sub_filter}/M(D:20261202100000+07'00')\
                 /ByteRange[0 ########## ########## ##########]/Contents <{}>>>",
                "0".repeat(2 * RESERVED)
            ),
        ];
        let mut pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
        let mut offsets = Vec::new();
        for (i, object) in objects.iter().enumerate() {
            offsets.push(pdf.len());
            pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
        }
        let xref = pdf.len();
        pdf.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
        for offset in offsets {
            pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
        }
        pdf.extend_from_slice(
            format!("trailer\n<</Size {}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
        );
        let find = |needle: &[u8]| pdf.windows(needle.len()).position(|w| w == needle).unwrap();
        let gap_start = find(b"/Contents <") + "/Contents ".len();
        let gap_end = gap_start + 2 * RESERVED + 2;
        let range = find(b"[0 ##########");
        let numbers = format!("{gap_start:<10} {gap_end:<10} {:<10}", pdf.len() - gap_end);
        pdf[range + 3..range + 3 + numbers.len()].copy_from_slice(numbers.as_bytes());
        Placeholder { pdf, gap_start, gap_end }
    }

    /// The bytes the signature covers: the file but the `/Contents` string.
    pub fn signed_bytes(&self) -> Vec<u8> {
        [&self.pdf[..self.gap_start], &self.pdf[self.gap_end..]].concat()
    }

    /// The signed PDF: `cms` (DER or BER) in `/Contents`.
    pub fn fill(mut self, cms: &[u8]) -> Vec<u8> {
        assert!(cms.len() <= RESERVED, "a CMS of {} bytes does not fit", cms.len());
        let hex: String = cms.iter().map(|b| format!("{b:02x}")).collect();
        self.pdf[self.gap_start + 1..self.gap_start + 1 + hex.len()].copy_from_slice(hex.as_bytes());
        self.pdf
    }
}
